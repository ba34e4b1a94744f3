// The remote tree's bookkeeping against a scripted node: paths under the root only, newest version wins,
// changes heard during a walk survive it, a missing folder is reported (or made).
import { expect, test } from "bun:test";
import { CliError, ExitCode } from "../cli/errors.ts";
import type { NodeClient } from "../cli/http.ts";
import { type NodeEntry, RemoteTree } from "./remote-tree.ts";

const entry = (path: string, version: string, extra: Partial<NodeEntry> = {}): NodeEntry => ({
  name: path.slice(path.lastIndexOf("/") + 1),
  path,
  kind: "file",
  size: 1,
  mtime: 1,
  version,
  sha256: `sha-${version}`,
  ...extra,
});

/** A node whose listings are `dirs` (API path → entries); `during` runs inside the first listing call. */
function fakeClient(dirs: Record<string, NodeEntry[]>, during?: () => void) {
  const calls: string[] = [];
  const client = {
    async json(method: string, path: string, init: { json?: unknown } = {}) {
      calls.push(`${method} ${path}${init.json ? ` ${JSON.stringify(init.json)}` : ""}`);
      if (method === "POST") return { version: "v0" };
      during?.();
      during = undefined;
      const entries = dirs[path];
      if (!entries) throw new CliError(ExitCode.failed, "no such file or directory", "not_found");
      return { entries, more: false };
    },
  } as unknown as NodeClient;
  return { client, calls };
}

test("only paths below the root count, reserved names never", () => {
  const tree = new RemoteTree(fakeClient({}).client, ["photos", "2026"]);
  expect(tree.relative("/photos/2026/a/b.jpg")).toBe("a/b.jpg");
  expect(tree.relative("/photos/2026")).toBeUndefined();
  expect(tree.relative("/photos/20266/x")).toBeUndefined();
  expect(tree.relative("/photos/2026/.orrery-sync.db")).toBeUndefined();
  expect(tree.apiPath("a b/c")).toBe("/api/files/photos/2026/a%20b/c");
  expect(tree.nodePath("")).toBe("/photos/2026");
});

test("the newest version per path wins, whatever order they come in; a tombstone hides the file", () => {
  const tree = new RemoteTree(fakeClient({}).client, ["r"]);
  tree.noteNodeEntry(entry("/r/a", "v2"));
  tree.noteNodeEntry(entry("/r/a", "v1"));
  expect(tree.live().get("a")?.version).toBe("v2");
  tree.noteNodeEntry(entry("/r/a", "v3", { deleted: true }));
  expect(tree.live().has("a")).toBe(false);
  tree.noteNodeEntry(entry("/r/a", "v2"));
  expect(tree.live().has("a")).toBe(false);
});

test("a file and a folder at one path: the sync sees the folder, and a delete of either kind leaves the other", () => {
  const tree = new RemoteTree(fakeClient({}).client, ["r"]);
  tree.noteNodeEntry(entry("/r/a", "v5"));
  tree.noteNodeEntry(entry("/r/a", "v1", { kind: "dir", sha256: null }));
  expect(tree.live().get("a")?.kind).toBe("dir");
  tree.noteNodeEntry(entry("/r/a", "v6"));
  expect(tree.live().get("a")?.kind).toBe("dir");
  tree.noteNodeEntry(entry("/r/a", "v7", { deleted: true }));
  expect(tree.live().get("a")?.kind).toBe("dir");
  const other = new RemoteTree(fakeClient({}).client, ["r"]);
  other.noteNodeEntry(entry("/r/b", "v1"));
  other.noteNodeEntry(entry("/r/b", "v9", { kind: "dir", sha256: null, deleted: true }));
  expect(other.live().get("b")?.kind).toBe("file");
});

test("a walk reads every folder, and changes heard during it are applied over its (older) result", async () => {
  let tree: RemoteTree;
  const { client } = fakeClient(
    {
      "/api/files/r/": [entry("/r/a", "v1"), entry("/r/d", "d1", { kind: "dir" }), entry("/r/gone", "v1")],
      "/api/files/r/d/": [entry("/r/d/b", "v1")],
    },
    () => {
      tree.noteNodeEntry(entry("/r/a", "v5"));
      tree.noteNodeEntry(entry("/r/gone", "v6", { deleted: true }));
    },
  );
  tree = new RemoteTree(client, ["r"]);
  tree.noteNodeEntry(entry("/r/stale", "v1")); // known before the walk, absent from it: dropped
  expect(await tree.walk(false)).toBe(true);
  expect([...tree.live().keys()].sort()).toEqual(["a", "d", "d/b"]);
  expect(tree.live().get("a")?.version).toBe("v5");
});

test("a missing cluster folder: false, or made when asked to", async () => {
  const missing = fakeClient({});
  expect(await new RemoteTree(missing.client, ["r"]).walk(false)).toBe(false);
  const made = fakeClient({});
  expect(await new RemoteTree(made.client, ["r"]).walk(true)).toBe(true);
  expect(made.calls).toContain('POST /api/mkdir {"path":"/r"}');
});
