// What GlusterFS and MooseFS have in common under test: daemons started in the bench's network namespaces and
// a FUSE client in the client namespace whose mount the client program writes to. Writes are synchronous to
// all three replicas in both, so there is nothing to settle afterwards.
import type { Subprocess } from "bun";
import { closeSync, mkdirSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Target } from "../client.ts";
import type { BenchLan, Host } from "../netns.ts";
import type { OwnProcesses } from "../own-processes.ts";
import { type SystemId, type SystemUnderTest, unmount } from "./system.ts";

export abstract class FusePeer implements SystemUnderTest {
  abstract readonly id: SystemId;
  /** Where the client program reads and writes. */
  readonly mount: string;
  /** This system's own directory in the run's directory (configs, logs, bricks or chunk dirs). */
  protected readonly root: string;
  /** The FUSE client process. */
  protected client: Subprocess | undefined;

  constructor(
    protected readonly lan: BenchLan,
    protected readonly own: OwnProcesses,
    runRoot: string,
    protected readonly log: (line: string) => void,
    name: string,
  ) {
    this.root = join(runRoot, name);
    this.mount = join(runRoot, "mnt", name);
  }

  abstract start(): Promise<void>;
  abstract verifyLarge(name: string, size: number): Promise<string | null>;
  abstract peakRssMiB(): Record<string, number | null>;
  abstract resetPeakRss(): void;
  abstract describe(): Record<string, unknown>;
  /** Starts the FUSE client (sets `client`) and waits until a write through it reaches all three servers. */
  protected abstract mountClient(): Promise<void>;

  /** Starts `cmd` in `host`'s network namespace, output appended to `logFile`, tracked by PID. */
  protected spawnIn(host: Host, cmd: string[], logFile: string, label: string): Subprocess {
    const out = openSync(logFile, "a");
    try {
      return this.own.track(Bun.spawn([...this.lan.enter(host), ...cmd], { stdin: "ignore", stdout: out, stderr: out }), label);
    } finally {
      closeSync(out);
    }
  }

  target(): Target {
    return { kind: "fs", dir: this.mount };
  }

  async mkdir(dir: string): Promise<void> {
    mkdirSync(join(this.mount, dir), { recursive: true });
  }

  async remove(name: string): Promise<void> {
    rmSync(join(this.mount, name), { force: true });
  }

  async settle(): Promise<void> {
    // fsync() returned after all three replicas had the bytes: nothing is left in the background.
  }

  /** A new client process: its read-ahead and caches start empty, as Orrery's node (which has none) does. */
  async emptyClientCaches(): Promise<void> {
    const problem = unmount(this.mount);
    if (problem) throw new Error(problem);
    if (this.client) {
      await this.client.exited;
      this.own.forget(this.client.pid);
      this.client = undefined;
    }
    await this.mountClient();
  }

  /** Unmounts; the daemons are stopped with the namespaces (BenchLan.destroy), forks included. */
  async stop(): Promise<void> {
    const problem = unmount(this.mount);
    if (problem) this.log(`  ${this.id}: ${problem}`);
  }
}
