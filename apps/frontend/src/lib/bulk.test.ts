import { describe, expect, test } from "bun:test";
import { ApiError } from "./errors.ts";
import { listNames, moveConflicts, moveProblem, outcomeText, planBulkMove, runAll } from "./bulk.ts";

test("names listed: one, two, or two and how many more", () => {
  expect(listNames(["a"])).toBe("“a”");
  expect(listNames(["a", "b"])).toBe("“a” and “b”");
  expect(listNames(["a", "b", "c", "d"])).toBe("“a”, “b” and 2 more");
});

test("a bulk move needs a folder other than this one, and not one of those moved or inside them", () => {
  const sel = ["/docs/a.txt", "/docs/photos"];
  expect(moveProblem("/docs", " ", sel)).toStartWith("Enter a folder");
  expect(moveProblem("/docs", ".", sel)).toBe("They are in that folder already.");
  expect(moveProblem("/docs", "photos", sel)).toBe("“photos” cannot be moved into itself.");
  expect(moveProblem("/docs", "photos/2024", sel)).toBe("“photos” cannot be moved into itself.");
  expect(moveProblem("/docs", "photos-old", sel)).toBeUndefined();
  expect(moveProblem("/docs", "..", sel)).toBeUndefined();
  expect(moveProblem("/docs", "/archive", sel)).toBeUndefined();
});

test("every item is tried, a few at a time; failures are kept with the node's reason and reported", async () => {
  let running = 0;
  let most = 0;
  const o = await runAll(["a", "b", "c", "d", "e"], async (x) => {
    running++;
    most = Math.max(most, running);
    await Bun.sleep(5);
    running--;
    if (x === "c") throw new ApiError("/c already exists", 409, "destination_exists");
  }, 2);
  expect(most).toBe(2);
  expect(o.done.sort()).toEqual(["a", "b", "d", "e"]);
  expect(o.failed.map((f) => f.item)).toEqual(["c"]);
  expect(outcomeText("Moved", o, (x) => x)).toBe("Moved 4 of 5 items; not “c”: /c already exists.");
  expect(outcomeText("Deleted", { done: ["a"], failed: [] }, (x) => x)).toBe("Deleted 1 item");
});

describe("a bulk move onto names already taken", () => {
  const item = (name: string, kind = "file") => ({ name, kind, path: `/src/${name}` });
  const items = [item("a.txt"), item("b.txt"), item("c.txt"), item("photos", "dir"), item("notes", "dir")];
  // In the destination: a.txt and c.txt taken, a folder photos, and a *file* named notes (no conflict for the folder notes).
  const existing = [
    { name: "a.txt", kind: "file" },
    { name: "c.txt", kind: "file" },
    { name: "a (2).txt", kind: "file" },
    { name: "photos", kind: "dir" },
    { name: "notes", kind: "file" },
  ];
  const moves = (plan: ReturnType<typeof planBulkMove>) => plan.steps.map((s) => `${s.item.name} → ${s.to}${s.overwrite ? " (replace)" : ""}`);

  test("the conflicts are the names taken by an entry of the same kind", () => {
    expect(moveConflicts(items, existing).map((e) => e.name)).toEqual(["a.txt", "c.txt", "photos"]);
    expect(moveConflicts(items, [])).toEqual([]);
  });
  test("replace all: every item moves, the conflicting ones overwriting", () => {
    const plan = planBulkMove(items, "/dst", existing, "replace");
    expect(moves(plan)).toEqual(["a.txt → /dst/a.txt (replace)", "b.txt → /dst/b.txt", "c.txt → /dst/c.txt (replace)", "photos → /dst/photos (replace)", "notes → /dst/notes"]);
    expect(plan.skipped).toEqual([]);
  });
  test("keep both: the conflicting ones take the next free name, free of the destination's names and the other items'", () => {
    const plan = planBulkMove([...items, item("c (2).txt")], "/dst", existing, "keep-both");
    expect(moves(plan)).toEqual([
      "a.txt → /dst/a (3).txt",
      "b.txt → /dst/b.txt",
      "c.txt → /dst/c (3).txt",
      "photos → /dst/photos (2)",
      "notes → /dst/notes",
      "c (2).txt → /dst/c (2).txt",
    ]);
  });
  test("skip: the conflicting ones stay where they are, the rest move", () => {
    const plan = planBulkMove(items, "/dst", existing, "skip");
    expect(moves(plan)).toEqual(["b.txt → /dst/b.txt", "notes → /dst/notes"]);
    expect(plan.skipped.map((e) => e.name)).toEqual(["a.txt", "c.txt", "photos"]);
  });
  test("into the top folder", () => {
    expect(moves(planBulkMove([item("x")], "/", [], "skip"))).toEqual(["x → /x"]);
  });
});
