// What the compare run needs of a storage system under test, whichever it is: start it, tell the client where
// to write, check copies, wait out background work, report memory, stop. GlusterFS and MooseFS are reached
// through a FUSE mount, Orrery through its files API.
import { readFileSync, writeFileSync } from "node:fs";
import { MiB } from "../../stats.ts";
import type { Target } from "../client.ts";
import { tryRun } from "../own-processes.ts";

export type SystemId = "orrery" | "glusterfs" | "moosefs";
export const PEER_IDS = ["glusterfs", "moosefs"] as const satisfies readonly SystemId[];

/** How a write must be acknowledged: the large write waits for 3 fsynced copies; creates use Orrery's quorum. */
export type WriteKind = "large-all" | "large-quorum" | "small";

export interface SystemUnderTest {
  readonly id: SystemId;
  start(): Promise<void>;
  target(kind: WriteKind): Target;
  /** Creates a directory for a small-file workload (visible to every reader before the clients start). */
  mkdir(dir: string): Promise<void>;
  /** Deletes a large file of an earlier repetition, so the disk holds one at a time. */
  remove(name: string): Promise<void>;
  /** null when every byte of `name` is on 3 servers; otherwise what is missing. */
  verifyLarge(name: string, size: number): Promise<string | null>;
  /** Before a cold read: the client side holds nothing of the files (a peer's FUSE client is restarted). */
  emptyClientCaches(): Promise<void>;
  /** After a write: until the system's background work (queued copies) is done. Untimed. */
  settle(): Promise<void>;
  /** Peak resident memory per server node since the start or the last resetPeakRss (kernel high-water marks), MiB. */
  peakRssMiB(): Record<string, number | null>;
  /** Sets every server process's high-water mark back to its resident memory now (per-workload peaks). */
  resetPeakRss(): void;
  /** CPU seconds each of its server processes has used so far (systems that know their processes). */
  cpuSeconds?(): Record<string, number | null>;
  /** The settings that matter for reading its figures (versions, durability, options). */
  describe(): Record<string, unknown>;
  /** Unmounts its clients and stops its processes. */
  stop(): Promise<void>;
}

/** VmHWM of a process, MiB; null when it is gone. */
export function vmHwmMiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? (Number(m[1]) * 1024) / MiB : null;
  } catch {
    return null;
  }
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** The processes named `names` in network namespace `ns`. */
export function namespacePids(ns: string, names: ReadonlySet<string>): number[] {
  return tryRun(["ip", "netns", "pids", ns])
    .out.split("\n")
    .map(Number)
    .filter((p) => p > 0 && names.has(commOf(p)));
}

/** Summed VmHWM (MiB) of the processes named `names` in network namespace `ns`; null when there are none. */
export function namespaceRssMiB(ns: string, names: ReadonlySet<string>): number | null {
  const pids = namespacePids(ns, names);
  return pids.length ? pids.map(vmHwmMiB).reduce<number>((a, b) => a + (b ?? 0), 0) : null;
}

/**
 * Sets a process's VmHWM back to its VmRSS (Linux ≥ 4.0: "5" to /proc/PID/clear_refs; the process's owner or
 * root). False when the process is gone or the kernel refused: its next peak then still covers the time before.
 */
export function resetHwm(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** The filesystem type mounted at `dir`, or null when nothing is. */
export function mountedType(dir: string): string | null {
  try {
    for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
      const f = line.split(" ");
      if (f[4] !== dir) continue;
      const sep = f.indexOf("-");
      return f[sep + 1] ?? "";
    }
  } catch {
    // not Linux
  }
  return null;
}

/** Unmounts a FUSE mount: a normal unmount, else a lazy one. Returns a problem, or null. */
export function unmount(dir: string): string | null {
  if (mountedType(dir) === null) return null;
  if (tryRun(["umount", dir]).ok) return null;
  const lazy = tryRun(["umount", "-l", dir]);
  return lazy.ok ? null : `umount -l ${dir}: ${lazy.out}`;
}

/** The installed Debian version of a package, for the report. */
export function packageVersion(pkg: string): string | null {
  const r = tryRun(["dpkg-query", "-W", "-f=${Version}", pkg]);
  return r.ok && r.out ? r.out : null;
}
