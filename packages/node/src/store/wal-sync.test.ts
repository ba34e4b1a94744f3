import { describe, expect, test } from "bun:test";
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { heldFsync, WalSync } from "./wal-sync.ts";

/** An fsync that finishes when the test says so, recording what it was asked to sync. */
function manualFsync() {
  const calls: Array<{ path: string; done: () => void; fail: (e: Error) => void }> = [];
  const fsync = (path: string) => new Promise<void>((done, fail) => calls.push({ path, done, fail }));
  return { calls, fsync };
}

describe("WalSync", () => {
  test("callers that arrive while an fsync runs share the next one; none resolves before an fsync that began after it", async () => {
    const { calls, fsync } = manualFsync();
    const wal = new WalSync("/data/orrery.db", fsync);
    const order: string[] = [];
    const a = wal.durable().then(() => order.push("a"));
    expect(calls.map((c) => c.path)).toEqual(["/data/orrery.db-wal"]);
    // b, c and d commit while a's fsync runs: it may have started before their writes.
    const rest = ["b", "c", "d"].map((n) => wal.durable().then(() => order.push(n)));
    calls[0]!.done();
    await Bun.sleep(0);
    expect(calls.map((c) => c.path)).toEqual(["/data/orrery.db-wal", "/data"]); // first sync also syncs the directory
    calls[1]!.done();
    await a;
    expect(order).toEqual(["a"]);
    await Bun.sleep(0);
    expect(calls.length).toBe(3); // one more fsync for b, c and d together
    calls[2]!.done();
    await Promise.all(rest);
    expect(order).toEqual(["a", "b", "c", "d"]);
    expect(wal.syncs).toBe(2);
  });

  test("a failed fsync fails its waiters, and the next caller gets a fresh one", async () => {
    const { calls, fsync } = manualFsync();
    const wal = new WalSync("/d/x.db", fsync);
    const first = wal.durable();
    const second = wal.durable();
    calls[0]!.fail(new Error("EIO"));
    await expect(first).rejects.toThrow("EIO");
    await Bun.sleep(0);
    expect(calls.length).toBe(2); // the waiter's own fsync
    calls[1]!.done();
    await Bun.sleep(0);
    calls[2]!.done();
    await second;
    const third = wal.durable();
    await Bun.sleep(0);
    calls[3]!.done();
    await third;
    expect(calls.map((c) => c.path)).toEqual(["/d/x.db-wal", "/d/x.db-wal", "/d", "/d/x.db-wal"]);
  });
});

describe("heldFsync", () => {
  test("fsyncs a file through one descriptor, opens a replaced file anew, and passes over a missing one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orrery-held-fsync-"));
    const sync = heldFsync();
    try {
      const wal = join(dir, "db-wal");
      await sync(wal); // not there yet: nothing to sync, nothing opened
      expect(sync.opened).toBe(0);
      writeFileSync(wal, "frames");
      for (let i = 0; i < 3; i++) await sync(wal);
      expect(sync.opened).toBe(1);
      // Another file at the path (another inode): the old descriptor would sync the wrong file.
      writeFileSync(join(dir, "other"), "new frames");
      renameSync(join(dir, "other"), wal);
      await sync(wal);
      await sync(wal);
      expect(sync.opened).toBe(2);
      unlinkSync(wal);
      await sync(wal);
      expect(sync.opened).toBe(2);
    } finally {
      sync.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
