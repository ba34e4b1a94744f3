// `orrery sync` end to end: real node processes (two, replication factor 2), the sync as its own process,
// changes made on the local side through the file system and on the cluster side through the other node.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBytes, put, randomBytes, sha256, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";
import { SyncProcess, syncOnce } from "./sync-process.ts";

let cluster: TestCluster;
let n1: TestNode;
let n2: TestNode;
let work: string;

beforeAll(async () => {
  cluster = await TestCluster.start(2, { replicationFactor: 2 });
  [n1, n2] = cluster.nodes as [TestNode, TestNode];
  work = await mkdtemp(join(tmpdir(), "orrery-sync-"));
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

const folder = (name: string) => {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const write = (dir: string, rel: string, data: string | Uint8Array) => {
  mkdirSync(join(dir, rel, ".."), { recursive: true });
  writeFileSync(join(dir, rel), data);
};

const remoteStatus = async (node: TestNode, path: string) => (await fetch(`${node.url}/api/files/${path}`, { method: "HEAD" })).status;
const remoteText = async (node: TestNode, path: string) => new TextDecoder().decode(await getBytes(node.url, path));
const localText = (dir: string, rel: string) => readFileSync(join(dir, rel), "utf8");
const pathsOf = (lines: string[], verb: string) => lines.filter((l) => l.startsWith(`${verb} `)).map((l) => l.split(" ")[1]!);
const tempFiles = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).filter((p) => p.includes(".orrery-sync-tmp-"));

describe("orrery sync --once", () => {
  test("a folder goes up, another comes down, and a second pass transfers nothing", async () => {
    const up = folder("once-up");
    const big = randomBytes(300_000);
    write(up, "a.txt", "alpha");
    write(up, "sub/b.bin", big);
    write(up, "sub/deeper/c.txt", "gamma");
    mkdirSync(join(up, "empty"));

    const first = await syncOnce(up, "/once", n1.url);
    expect(first.code, first.output).toBe(0);
    expect(pathsOf(first.lines, "uploaded").sort()).toEqual(["a.txt", "sub/b.bin", "sub/deeper/c.txt"]);
    expect(sha256(await getBytes(n2.url, "once/sub/b.bin"))).toBe(sha256(big));
    expect(await remoteText(n2, "once/sub/deeper/c.txt")).toBe("gamma");
    // The node decides the type from the name, as for any upload that gives none.
    expect((await fetch(`${n2.url}/api/files/once/a.txt`, { method: "HEAD" })).headers.get("content-type")).toStartWith("text/plain");
    expect(await remoteStatus(n2, "once/empty")).toBe(200);

    const down = folder("once-down");
    const second = await syncOnce(down, "/once", n2.url);
    expect(second.code, second.output).toBe(0);
    expect(pathsOf(second.lines, "downloaded").sort()).toEqual(["a.txt", "sub/b.bin", "sub/deeper/c.txt"]);
    expect(sha256(readFileSync(join(down, "sub/b.bin")))).toBe(sha256(big));
    expect(localText(down, "a.txt")).toBe("alpha");
    expect(existsSync(join(down, "empty"))).toBe(true);
    expect(existsSync(join(down, ".orrery-sync.db"))).toBe(true);
    expect(tempFiles(down)).toEqual([]);

    for (const dir of [up, down]) {
      const again = await syncOnce(dir, "/once", n1.url);
      expect(again.code, again.output).toBe(0);
      expect(again.lines.filter((l) => /^(uploaded|downloaded|deleted|moved|conflict) /.test(l))).toEqual([]);
      expect(again.output).toContain("nothing to do");
    }
  });

  test("a missing local folder is an error (exit 4), and one folder cannot be paired with two cluster folders (exit 2)", async () => {
    const missing = await syncOnce(join(work, "never-made"), "/nowhere", n1.url);
    expect(missing.code).toBe(4);
    expect(missing.output).toContain("does not exist");
    expect(await remoteStatus(n1, "nowhere")).toBe(404);

    const dir = folder("paired");
    expect((await syncOnce(dir, "/paired-a", n1.url)).code).toBe(0);
    const other = await syncOnce(dir, "/paired-b", n1.url);
    expect(other.code).toBe(2);
    expect(other.output).toContain("is synced with /paired-a");
  });
  test("a cluster folder deleted as a whole stops the sync (exit 1) rather than emptying the local folder", async () => {
    const dir = folder("remote-gone");
    write(dir, "keep.txt", "keep");
    write(dir, "sub/too.txt", "too");
    expect((await syncOnce(dir, "/remote-gone", n1.url)).code).toBe(0);
    // Running: the feed reports every file deleted before anything re-reads the folder.
    const p = new SyncProcess(dir, "/remote-gone", n1.url);
    await p.waitForLines(/^syncing /);
    await Bun.sleep(1000);
    expect((await fetch(`${n2.url}/api/files/remote-gone?recursive=true`, { method: "DELETE" })).status).toBe(200);
    const code = await Promise.race([p.exited, Bun.sleep(20_000).then(() => -1)]);
    if (code === -1) p.kill("SIGKILL");
    expect(code, p.output()).toBe(1);
    expect(p.stderr).toContain("does not exist any more");
    expect(localText(dir, "keep.txt")).toBe("keep");
    expect(localText(dir, "sub/too.txt")).toBe("too");
    // And at the start of a run.
    const r = await syncOnce(dir, "/remote-gone", n1.url);
    expect(r.code, r.output).toBe(1);
    expect(localText(dir, "keep.txt")).toBe("keep");
  });
});

describe("conflicts and renames", () => {
  test("both sides changed: both versions end up on both sides, one as a .sync-conflict- copy", async () => {
    const dir = folder("conflict");
    write(dir, "notes.txt", "v1");
    write(dir, "plan.txt", "v1");
    expect((await syncOnce(dir, "/conflict", n1.url)).code).toBe(0);

    expect((await put(n2.url, "conflict/notes.txt", "cluster notes")).status).toBe(201);
    expect((await put(n2.url, "conflict/plan.txt", "cluster plan")).status).toBe(201);
    write(dir, "notes.txt", "local notes");
    write(dir, "plan.txt", "local plan");
    // notes.txt: the local edit is newer and stays the file; plan.txt: the cluster's edit is newer.
    const t = Date.now() / 1000;
    utimesSync(join(dir, "notes.txt"), t + 600, t + 600);
    utimesSync(join(dir, "plan.txt"), t - 600, t - 600);

    const r = await syncOnce(dir, "/conflict", n1.url);
    expect(r.code, r.output).toBe(0);
    expect(r.lines.filter((l) => l.startsWith("conflict "))).toHaveLength(2);
    const copies = readdirSync(dir).filter((n) => n.includes(".sync-conflict-")).sort();
    expect(copies).toHaveLength(2);
    const notesCopy = copies.find((n) => n.startsWith("notes."))!;
    const planCopy = copies.find((n) => n.startsWith("plan."))!;
    expect(notesCopy).toMatch(/^notes\.sync-conflict-\d{8}-\d{6}-[A-Za-z0-9_-]+\.txt$/);
    expect(planCopy).toMatch(/^plan\.sync-conflict-\d{8}-\d{6}-[A-Za-z0-9_-]+\.txt$/);
    expect(localText(dir, "notes.txt")).toBe("local notes");
    expect(localText(dir, notesCopy)).toBe("cluster notes");
    expect(localText(dir, "plan.txt")).toBe("cluster plan");
    expect(localText(dir, planCopy)).toBe("local plan");
    for (const [name, text] of [["notes.txt", "local notes"], [notesCopy, "cluster notes"], ["plan.txt", "cluster plan"], [planCopy, "local plan"]]) {
      expect(await remoteText(n2, `conflict/${name}`)).toBe(text!);
    }
    expect((await syncOnce(dir, "/conflict", n1.url)).output).toContain("nothing to do");
  });

  test("renames on either side are moves on the other, with no bytes transferred again", async () => {
    const dir = folder("rename");
    const data = randomBytes(2 * 1024 * 1024);
    write(dir, "big.bin", data);
    expect((await syncOnce(dir, "/rename", n1.url)).code).toBe(0);

    mkdirSync(join(dir, "moved"));
    renameSync(join(dir, "big.bin"), join(dir, "moved/big.bin"));
    const local = await syncOnce(dir, "/rename", n1.url);
    expect(local.code, local.output).toBe(0);
    expect(local.lines).toContain("moved big.bin -> moved/big.bin on the cluster (renamed here)");
    expect(pathsOf(local.lines, "uploaded")).toEqual([]);
    expect(await remoteStatus(n2, "rename/big.bin")).toBe(404);
    expect(sha256(await getBytes(n2.url, "rename/moved/big.bin"))).toBe(sha256(data));

    const moved = await fetch(`${n2.url}/api/move`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from: "/rename/moved/big.bin", to: "/rename/back.bin" }),
    });
    expect(moved.status).toBe(200);
    const remote = await syncOnce(dir, "/rename", n1.url);
    expect(remote.code, remote.output).toBe(0);
    expect(remote.lines).toContain("moved moved/big.bin -> back.bin here (renamed on the cluster)");
    expect(pathsOf(remote.lines, "downloaded")).toEqual([]);
    expect(existsSync(join(dir, "moved/big.bin"))).toBe(false);
    expect(sha256(readFileSync(join(dir, "back.bin")))).toBe(sha256(data));
  });
});

describe("orrery sync, watching", () => {
  test("edits and deletes on either side reach the other while it runs", async () => {
    const dir = folder("live");
    const p = new SyncProcess(dir, "/live", n1.url);
    try {
      await p.waitForLines(/^syncing /);
      write(dir, "local.txt", "from the folder");
      await waitFor(async () => (await remoteStatus(n2, "live/local.txt")) === 200, 15_000, "the local file on the cluster");
      expect(await remoteText(n2, "live/local.txt")).toBe("from the folder");

      expect((await put(n2.url, "live/deep/remote.txt", "from the cluster")).status).toBe(201);
      await waitFor(() => existsSync(join(dir, "deep/remote.txt")), 15_000, "the cluster's file in the folder");
      expect(localText(dir, "deep/remote.txt")).toBe("from the cluster");

      write(dir, "local.txt", "edited in the folder");
      await waitFor(async () => (await remoteText(n2, "live/local.txt")) === "edited in the folder", 15_000, "the local edit on the cluster");
      expect((await put(n2.url, "live/deep/remote.txt", "edited on the cluster")).status).toBe(201);
      await waitFor(() => localText(dir, "deep/remote.txt") === "edited on the cluster", 15_000, "the cluster's edit in the folder");

      expect((await fetch(`${n2.url}/api/files/live/local.txt`, { method: "DELETE" })).status).toBe(200);
      await waitFor(() => !existsSync(join(dir, "local.txt")), 15_000, "the cluster's delete in the folder");
      rmSync(join(dir, "deep/remote.txt"));
      await waitFor(async () => (await remoteStatus(n2, "live/deep/remote.txt")) === 404, 15_000, "the local delete on the cluster");
    } finally {
      p.kill("SIGTERM");
    }
    expect(await p.exited, p.output()).toBe(0);
    expect(p.matching(/^conflict /)).toEqual([]);
  });

  /** Starts a watching sync of three files and waits until they are on the cluster. */
  async function guardedSync(name: string): Promise<{ dir: string; p: SyncProcess }> {
    const dir = folder(name);
    for (const f of ["a.txt", "b.txt", "sub/c.txt"]) write(dir, f, f);
    const p = new SyncProcess(dir, `/${name}`, n1.url);
    await p.waitForLines(/^uploaded /, 3);
    return { dir, p };
  }

  async function expectStoppedKeepingEverything(p: SyncProcess, name: string, why: string): Promise<void> {
    const code = await Promise.race([p.exited, Bun.sleep(20_000).then(() => -1)]);
    if (code === -1) p.kill("SIGKILL");
    expect(code, p.output()).toBe(4);
    expect(p.stderr).toContain(why);
    expect(p.matching(/^deleted /)).toEqual([]);
    for (const f of ["a.txt", "b.txt", "sub/c.txt"]) expect(await remoteText(n2, `${name}/${f}`)).toBe(f);
  }

  test("a deleted local folder stops the sync with an error and deletes nothing on the cluster", async () => {
    const { dir, p } = await guardedSync("guarded");
    rmSync(dir, { recursive: true, force: true });
    await expectStoppedKeepingEverything(p, "guarded", "is gone");

    // The folder made again, empty: a new pairing that brings the files back rather than deleting them.
    mkdirSync(dir);
    const again = await syncOnce(dir, "/guarded", n1.url);
    expect(again.code, again.output).toBe(0);
    expect(pathsOf(again.lines, "downloaded").sort()).toEqual(["a.txt", "b.txt", "sub/c.txt"]);
    expect(await remoteStatus(n2, "guarded/a.txt")).toBe(200);
  });

  test("a folder replaced by an empty one (what an unmounted mount point looks like) stops the sync too", async () => {
    const { dir, p } = await guardedSync("replaced");
    renameSync(dir, `${dir}-elsewhere`);
    mkdirSync(dir);
    await expectStoppedKeepingEverything(p, "replaced", "was replaced or unmounted");
  });
});

describe("a sync killed mid-way", () => {
  const COUNT = 40;
  /** One large file among small ones: a download long enough to be killed in the middle of. */
  const BIG = "f20.bin";
  const files = new Map<string, Uint8Array>();

  /** The run after the kill: none of what the killed run reported done is transferred again. Its lines. */
  async function resume(dir: string, node: TestNode, verb: "uploaded" | "downloaded", done: string[]): Promise<string[]> {
    const second = await syncOnce(dir, "/restart", node.url);
    expect(second.code, second.output).toBe(0);
    const redone = pathsOf(second.lines, verb);
    expect(redone.filter((p) => done.includes(p))).toEqual([]);
    expect(redone.length).toBeLessThanOrEqual(COUNT - done.length);
    return second.lines;
  }

  test("restarted after a kill mid-upload, it uploads only what was not done", async () => {
    const dir = folder("restart-up");
    for (let i = 0; i < COUNT; i++) {
      const name = `f${String(i).padStart(2, "0")}.bin`;
      const data = randomBytes(name === BIG ? 64 * 1024 * 1024 : 64 * 1024);
      files.set(name, data);
      write(dir, name, data);
    }
    const first = new SyncProcess(dir, "/restart", n1.url, ["--once"]);
    await first.waitForLines(/^uploaded /, 5);
    first.kill("SIGKILL");
    await first.exited;
    const done = pathsOf(first.lines, "uploaded");
    expect(done.length).toBeLessThan(COUNT);

    await resume(dir, n1, "uploaded", done);
    for (const [name, data] of files) expect(sha256(await getBytes(n2.url, `restart/${name}`))).toBe(sha256(data));
  });

  test("restarted after a kill mid-download, it downloads only what was not done and leaves no temporary file", async () => {
    const dir = folder("restart-down");
    const first = new SyncProcess(dir, "/restart", n2.url, ["--once"]);
    await first.waitForLines(/^downloaded /, 5);
    // Killed while the large file is half in its temporary file.
    await waitFor(() => tempFiles(dir).length > 0, 20_000, "a download in progress", 1);
    first.kill("SIGKILL");
    await first.exited;
    expect(tempFiles(dir).length).toBeGreaterThan(0);
    expect(existsSync(join(dir, BIG))).toBe(false);
    const done = pathsOf(first.lines, "downloaded");
    expect(done.length).toBeLessThan(COUNT);

    const second = await resume(dir, n2, "downloaded", done);
    for (const [name, data] of files) expect(sha256(readFileSync(join(dir, name)))).toBe(sha256(data));
    expect(tempFiles(dir)).toEqual([]);
    expect(pathsOf(second, "uploaded")).toEqual([]);
  });
});
