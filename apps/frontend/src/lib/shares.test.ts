// The share dialog lists the folder's own shares, whatever form the path has, and nothing of other folders.
import { expect, test } from "bun:test";
import { sharesOf } from "./shares.ts";

const share = (id: string, path: string, to: { user?: string; group?: string }) => ({ id, path, ...to, access: "read" as const, by: "alice", createdAt: 1 });

test("only the folder's own shares, users before groups, each by name", () => {
  const all = [
    share("1", "/home/alice/proj", { group: "lab" }),
    share("2", "/home/alice/proj/sub", { user: "bob" }),
    share("3", "/home/alice/proj", { user: "carol" }),
    share("4", "/home/alice", { user: "dave" }),
    share("5", "/home/alice/project", { user: "erin" }),
    share("6", "/home/alice/proj", { user: "bob" }),
  ];
  expect(sharesOf(all, "/home/alice/proj").map((s) => s.id)).toEqual(["6", "3", "1"]);
  expect(sharesOf(all, "home/alice/proj/").map((s) => s.id)).toEqual(["6", "3", "1"]);
  expect(sharesOf(all, "/home/bob")).toEqual([]);
});
