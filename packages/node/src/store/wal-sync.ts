// Group commit for the node's SQLite database: writes that must be durable before they are acknowledged
// commit with synchronous=NORMAL (no fsync on the event loop: bun:sqlite is synchronous, and a commit's
// fsync stalled every request, gossip ack and transfer of the node for its few milliseconds), then await
// `durable()`, which fsyncs the WAL file on the thread pool. Every write committed before an fsync starts is
// on disk when it ends, so all the writes that arrive while one runs share the next one.
//
// Equivalent to synchronous=FULL for those commits: in WAL mode a commit is durable once its frames in the
// WAL are, which is exactly what FULL's own fsync of the WAL ensures. NORMAL keeps the database safe from
// corruption (SQLite syncs the WAL before every checkpoint); only the acknowledgement waits for us.
import { closeSync, existsSync, fstatSync, fsync, openSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";

export type FsyncFile = (path: string) => Promise<void>;

/** fsync(2) of a descriptor, on the thread pool. */
export const fsyncFd = promisify(fsync);

/** fsync of a file by path; a file that does not exist (no write yet) has nothing to sync. */
export const fsyncFile: FsyncFile = async (path) => {
  if (!existsSync(path)) return;
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/**
 * fsync of a file by path through a descriptor kept open between calls: one thread-pool job per fsync instead
 * of three (open, fsync, close). A stat of the path before each one (a cheap syscall on this thread) sees a file
 * removed (nothing to sync) or replaced by another (it is opened anew). Calls must not overlap (WalSync runs
 * one at a time), since a replaced file's descriptor is closed. `opened` counts the opens (for tests).
 */
export function heldFsync(): FsyncFile & { opened: number; close(): void } {
  let held: { path: string; fd: number; dev: number; ino: number } | undefined;
  const drop = () => {
    if (held) closeSync(held.fd);
    held = undefined;
  };
  const sync = async (path: string) => {
    let now: { dev: number; ino: number };
    try {
      now = statSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      drop();
      return;
    }
    if (!held || held.path !== path || held.dev !== now.dev || held.ino !== now.ino) {
      drop();
      const fd = openSync(path, "r");
      const { dev, ino } = fstatSync(fd);
      held = { path, fd, dev, ino };
      sync.opened++;
    }
    await fsyncFd(held.fd);
  };
  sync.opened = 0;
  sync.close = drop;
  return sync;
}

export class WalSync {
  private running: Promise<void> | undefined;
  private waiting: Promise<void> | undefined;
  private dirSynced = false;
  /** fsyncs made (for tests and metrics). */
  syncs = 0;

  constructor(
    private readonly dbPath: string,
    private readonly fsync: FsyncFile & { close?: () => void } = heldFsync(),
  ) {}

  /** Lets go of the WAL's descriptor (before the database is closed); a later durable() opens it again. */
  close(): void {
    this.fsync.close?.();
  }

  /** Resolves once everything committed before the call is on disk. */
  durable(): Promise<void> {
    if (!this.running) return this.start();
    // The fsync running may have begun before the caller's commit: wait for the next one, shared by all who wait.
    this.waiting ??= this.running.then(
      () => this.next(),
      () => this.next(),
    );
    return this.waiting;
  }

  private next(): Promise<void> {
    this.waiting = undefined;
    return this.start();
  }

  private start(): Promise<void> {
    const run = this.sync();
    this.running = run;
    const clear = () => {
      if (this.running === run) this.running = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  private async sync(): Promise<void> {
    if (this.dbPath === "" || this.dbPath === ":memory:") return; // nothing on disk
    this.syncs++;
    await this.fsync(`${this.dbPath}-wal`);
    if (!this.dirSynced) {
      // The WAL file's own directory entry, once: a WAL created since the last sync would not survive without it.
      await this.fsync(dirname(this.dbPath));
      this.dirSynced = true;
    }
  }
}
