// The sync decision table, case by case: one side changed, both changed, deletes, renames, folders, clashes.
import { describe, expect, test } from "bun:test";
import { type Action, type BaseEntry, type LocalEntry, type LocalFile, reconcile, type RemoteEntry } from "./reconcile.ts";

const now = new Date(Date.UTC(2026, 11, 6, 15, 4, 5));
const opts = { now, host: "laptop" };

const lf = (sha: string, mtimeMs = 1000, size = 3): LocalFile => ({ kind: "file", size, mtimeMs, sha256: sha });
const rf = (sha: string, version = "v1", mtime = 1000, size = 3): RemoteEntry => ({ kind: "file", version, size, mtime, sha256: sha });
const bf = (sha: string, version = "v1", mtimeMs = 1000, size = 3): BaseEntry => ({ kind: "file", size, mtimeMs, sha256: sha, version });
const ld: LocalEntry = { kind: "dir" };
const rd = (version = "d1"): RemoteEntry => ({ kind: "dir", version, size: 0, mtime: 0, sha256: null });
const bd = (version = "d1"): BaseEntry => ({ kind: "dir", size: 0, mtimeMs: 0, sha256: null, version });

type Sides = { l?: LocalEntry; r?: RemoteEntry; b?: BaseEntry };
function run(files: Record<string, Sides>): Action[] {
  const local = new Map<string, LocalEntry>();
  const remote = new Map<string, RemoteEntry>();
  const base = new Map<string, BaseEntry>();
  for (const [p, s] of Object.entries(files)) {
    if (s.l) local.set(p, s.l);
    if (s.r) remote.set(p, s.r);
    if (s.b) base.set(p, s.b);
  }
  return reconcile(local, remote, base, opts);
}
const one = (s: Sides) => run({ f: s });
const types = (actions: Action[]) => actions.map((a) => `${a.type}:${"path" in a ? a.path : `${a.from}>${a.to}`}`);

describe("one side changed", () => {
  test("in step and unchanged: nothing to do", () => {
    expect(one({ l: lf("a"), r: rf("a"), b: bf("a") })).toEqual([]);
  });

  test("a new local file is uploaded where nothing is remotely", () => {
    expect(one({ l: lf("a") })).toEqual([{ type: "upload", path: "f", local: lf("a"), ifMatch: null }]);
  });

  test("a new remote file is downloaded where nothing is locally", () => {
    expect(one({ r: rf("a") })).toEqual([{ type: "download", path: "f", remote: rf("a"), replace: undefined }]);
  });

  test("a local edit is uploaded over the remote content the base knew, and only over it", () => {
    expect(one({ l: lf("b", 2000), r: rf("a"), b: bf("a") })).toEqual([{ type: "upload", path: "f", local: lf("b", 2000), ifMatch: "a" }]);
  });

  test("a remote edit is downloaded over the local file as scanned", () => {
    expect(one({ l: lf("a"), r: rf("b", "v2"), b: bf("a") })).toEqual([{ type: "download", path: "f", remote: rf("b", "v2"), replace: lf("a") }]);
  });

  test("a local delete deletes the remote file (conditional on its content)", () => {
    expect(one({ r: rf("a"), b: bf("a") })).toEqual([{ type: "deleteRemote", path: "f", sha256: "a" }]);
  });

  test("a remote delete deletes the unchanged local file", () => {
    expect(one({ l: lf("a"), b: bf("a") })).toEqual([{ type: "deleteLocal", path: "f", local: lf("a") }]);
  });

  test("a touched local file (new mtime, same bytes) only refreshes the base", () => {
    expect(one({ l: lf("a", 5000), r: rf("a"), b: bf("a") })).toEqual([{ type: "record", path: "f", base: bf("a", "v1", 5000) }]);
  });

  test("a new remote version with the same bytes only refreshes the base", () => {
    expect(one({ l: lf("a"), r: rf("a", "v9"), b: bf("a") })).toEqual([{ type: "record", path: "f", base: bf("a", "v9") }]);
  });
});

describe("both sides changed", () => {
  test("to the same content: recorded, nothing moves", () => {
    expect(one({ l: lf("c", 7), r: rf("c", "v2"), b: bf("a") })).toEqual([{ type: "record", path: "f", base: bf("c", "v2", 7) }]);
  });

  test("the same file created on both sides with the same bytes, no base: recorded", () => {
    expect(types(one({ l: lf("a"), r: rf("a") }))).toEqual(["record:f"]);
  });

  test("different edits: a conflict; the newer one stays the file, the other becomes a .sync-conflict- copy", () => {
    const [localWins] = run({ "d/notes.txt": { l: lf("L", 3000), r: rf("R", "000000000001000001@n2", 2000), b: bf("a") } });
    expect(localWins).toMatchObject({ type: "conflict", path: "d/notes.txt", keep: "local", copy: "d/notes.sync-conflict-20261206-150405-n2.txt" });
    const [remoteWins] = run({ "d/notes.txt": { l: lf("L", 2000), r: rf("R", "v2@n2", 3000), b: bf("a") } });
    expect(remoteWins).toMatchObject({ type: "conflict", keep: "remote", copy: "d/notes.sync-conflict-20261206-150405-laptop.txt" });
  });

  test("a tie in mtime keeps the cluster's version", () => {
    expect(one({ l: lf("L", 2000), r: rf("R", "v2", 2000), b: bf("a") })[0]).toMatchObject({ type: "conflict", keep: "remote" });
  });

  test("created on both sides with different bytes and no base: a conflict, never an overwrite", () => {
    expect(types(one({ l: lf("L"), r: rf("R") }))).toEqual(["conflict:f"]);
  });

  test("edited here, deleted there: the edit wins and is uploaded where nothing is", () => {
    expect(one({ l: lf("b"), b: bf("a") })).toEqual([{ type: "upload", path: "f", local: lf("b"), ifMatch: null }]);
  });

  test("deleted here, edited there: the edit wins and is downloaded", () => {
    expect(one({ r: rf("b", "v2"), b: bf("a") })).toEqual([{ type: "download", path: "f", remote: rf("b", "v2"), replace: undefined }]);
  });

  test("deleted on both sides: the base is forgotten", () => {
    expect(one({ b: bf("a") })).toEqual([{ type: "forget", path: "f" }]);
  });
});

describe("renames", () => {
  test("a local rename becomes one remote move, no upload", () => {
    const actions = run({ "old.txt": { r: rf("a"), b: bf("a") }, "new.txt": { l: lf("a", 1000) } });
    expect(actions).toEqual([{ type: "moveRemote", from: "old.txt", to: "new.txt", local: lf("a", 1000), sha256: "a" }]);
  });

  test("a remote rename becomes one local move, no download", () => {
    const actions = run({ "old.txt": { l: lf("a"), b: bf("a") }, "dir/new.txt": { r: rf("a", "v5") } });
    expect(actions).toEqual([{ type: "moveLocal", from: "old.txt", to: "dir/new.txt", local: lf("a"), remote: rf("a", "v5") }]);
  });

  test("a rename with an edit is a delete and an upload; a move onto an existing remote file is not a move", () => {
    expect(types(run({ "old.txt": { r: rf("a"), b: bf("a") }, "new.txt": { l: lf("z") } }))).toEqual(["upload:new.txt", "deleteRemote:old.txt"]);
    const onto = run({ "old.txt": { r: rf("a"), b: bf("a") }, "new.txt": { l: lf("a"), r: rf("q"), b: bf("q") } });
    expect(types(onto)).toEqual(["upload:new.txt", "deleteRemote:old.txt"]);
  });

  test("two deletes and two creates of the same bytes pair one to one, in path order", () => {
    const actions = run({ a1: { r: rf("s"), b: bf("s") }, a2: { r: rf("s"), b: bf("s") }, b1: { l: lf("s") }, b2: { l: lf("s") }, b3: { l: lf("s") } });
    expect(types(actions)).toEqual(["moveRemote:a1>b1", "moveRemote:a2>b2", "upload:b3"]);
  });
});

describe("folders", () => {
  test("new folders are made on the other side, parents first, before the files", () => {
    const actions = run({ "x/y": { l: ld }, x: { l: ld }, "x/y/f": { l: lf("a") }, r: { r: rd() } });
    expect(types(actions)).toEqual(["mkdirLocal:r", "mkdirRemote:x", "mkdirRemote:x/y", "upload:x/y/f"]);
  });

  test("deleted folders go after the files, deepest first; both present is recorded once", () => {
    const actions = run({ p: { r: rd(), b: bd() }, "p/q": { r: rd(), b: bd() }, "p/q/f": { r: rf("a"), b: bf("a") }, s: { l: ld, r: rd("d2"), b: bd() } });
    expect(types(actions)).toEqual(["deleteRemote:p/q/f", "record:s", "rmdirRemote:p/q", "rmdirRemote:p"]);
    expect(run({ s: { l: ld, r: rd("d2"), b: bd("d2") } })).toEqual([]);
  });

  test("a folder deleted remotely is removed locally (after its files)", () => {
    expect(types(run({ p: { l: ld, b: bd() }, "p/f": { l: lf("a"), b: bf("a") } }))).toEqual(["deleteLocal:p/f", "rmdirLocal:p"]);
  });

  test("a file on one side and a folder on the other is reported and left alone", () => {
    expect(types(one({ l: ld, r: rf("a") }))).toEqual(["kindClash:f"]);
    expect(types(one({ l: lf("a"), r: rd(), b: bf("a") }))).toEqual(["kindClash:f"]);
  });
});

test("a mixed pass runs every path once", () => {
  const actions = run({
    keep: { l: lf("k"), r: rf("k"), b: bf("k") },
    up: { l: lf("u2", 9), r: rf("u"), b: bf("u") },
    down: { l: lf("d"), r: rf("d2", "v2"), b: bf("d") },
    gone: { l: lf("g"), b: bf("g") },
    fresh: { r: rf("n") },
  });
  expect(types(actions).sort()).toEqual(["deleteLocal:gone", "download:down", "download:fresh", "upload:up"]);
});
