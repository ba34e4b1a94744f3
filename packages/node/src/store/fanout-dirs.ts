// The fan-out directories of the chunk store (dir/ab, dir/ab/cd): each made once per process, and counted
// durable only once its entry is fsynced into its parent, shared by every install that needs it.
import { closeSync, openSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { fsyncFd } from "./wal-sync.ts";

/** `exists` once the directory does, `durable` once its entry (and its parent's) is on disk. */
export interface FanoutDir {
  exists: Promise<void>;
  durable: Promise<void>;
}

const FANOUT_READY: FanoutDir = { exists: Promise.resolve(), durable: Promise.resolve() };

export class FanoutDirs {
  private readonly known = new Map<string, FanoutDir>();

  /** `root`: the store's directory, which exists and is durable already. */
  constructor(private readonly root: string) {}

  /**
   * dir/ab/cd and dir/ab, made once per process: `exists` once the directory does, `durable` once its entry is
   * fsynced into its parent and the parent's into its own. Shared by concurrent installs, so none counts a copy
   * before another's fsync of a directory it also needs has ended; a failed fsync is tried again by the next.
   * One that existed before this process is fsynced into its parent once too (a crash may have cut its mkdir's).
   */
  ready(dir: string): FanoutDir {
    if (dir === this.root) return FANOUT_READY;
    const known = this.known.get(dir);
    if (known) return known;
    const parent = this.ready(dirname(dir));
    const exists = parent.exists.then(() => mkdir(dir)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "EEXIST") throw err;
    });
    const durable = Promise.all([parent.durable, exists.then(() => fsyncDir(dirname(dir)))]).then(() => {});
    const state = { exists, durable };
    this.known.set(dir, state);
    // Done: one shared state, so the map holds only names; failed: the next install makes and fsyncs it again.
    durable.then(
      () => this.known.set(dir, FANOUT_READY),
      () => this.known.delete(dir),
    );
    return state;
  }
}

/** A directory's fsync: opened and closed on the event loop (cheap calls), fsynced on the thread pool. */
export async function fsyncDir(path: string): Promise<void> {
  const fd = openSync(path, "r");
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}
