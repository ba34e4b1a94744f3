// --strace: counts the system calls of the Orrery nodes during one workload. `strace -c -f -p PID` is attached
// to every node (all its threads, and any it starts) right before the workload and detached (SIGINT) right
// after, so the counts are that workload's alone; they are divided by its chunks or files.
import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";
import type { OwnProcesses } from "./own-processes.ts";

/** The calls that make the disk flush. */
export const FSYNC_FAMILY = ["fsync", "fdatasync", "syncfs", "sync", "sync_file_range"] as const;

export interface SyscallCount {
  calls: number;
  errors: number;
}

export interface StracePass {
  workload: string;
  title: string;
  unit: "chunk" | "file";
  units: number;
  syscalls: number;
  fsyncs: number;
  syscallsPerUnit: number | null;
  fsyncsPerUnit: number | null;
  /** Most frequent calls over all nodes, per unit. */
  top: { name: string; calls: number; perUnit: number }[];
  perNode: Record<string, { syscalls: number; fsyncs: number; counts: Record<string, SyscallCount> }>;
  error?: string;
}

export interface StraceReport {
  command: string;
  passes: StracePass[];
}

/** Parses the table `strace -c` writes ("% time seconds usecs/call calls errors syscall" rows). Pure. */
export function parseStraceSummary(text: string): Record<string, SyscallCount> {
  const out: Record<string, SyscallCount> = {};
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || !/^\d+(\.\d+)?$/.test(f[0]!)) continue;
    const name = f[f.length - 1]!;
    if (name === "total") continue;
    // % time, seconds, usecs/call, calls, [errors], syscall
    const calls = Number(f[3]);
    const errors = f.length >= 6 ? Number(f[4]) : 0;
    if (!Number.isFinite(calls)) continue;
    out[name] = { calls, errors: Number.isFinite(errors) ? errors : 0 };
  }
  return out;
}

/** Sums per-node counts into one pass's figures. Pure. */
export function summarizePass(
  base: Pick<StracePass, "workload" | "title" | "unit" | "units">,
  perNodeCounts: Record<string, Record<string, SyscallCount>>,
): StracePass {
  const total: Record<string, number> = {};
  const perNode: StracePass["perNode"] = {};
  for (const [node, counts] of Object.entries(perNodeCounts)) {
    let syscalls = 0;
    let fsyncs = 0;
    for (const [name, c] of Object.entries(counts)) {
      total[name] = (total[name] ?? 0) + c.calls;
      syscalls += c.calls;
      if ((FSYNC_FAMILY as readonly string[]).includes(name)) fsyncs += c.calls;
    }
    perNode[node] = { syscalls, fsyncs, counts };
  }
  const syscalls = Object.values(perNode).reduce((s, n) => s + n.syscalls, 0);
  const fsyncs = Object.values(perNode).reduce((s, n) => s + n.fsyncs, 0);
  const per = (n: number) => (base.units > 0 ? n / base.units : null);
  const top = Object.entries(total)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([name, calls]) => ({ name, calls, perUnit: per(calls) ?? 0 }));
  return { ...base, syscalls, fsyncs, syscallsPerUnit: per(syscalls), fsyncsPerUnit: per(fsyncs), top, perNode };
}

/** strace attached to some processes for one workload. */
export class StraceSession {
  private readonly tracers: { node: string; proc: Subprocess<"ignore", "ignore", "pipe">; file: string }[] = [];

  constructor(private readonly own: OwnProcesses) {}

  /** Attaches to every process and resolves once strace reports each attached. */
  async attach(targets: { node: string; pid: number; file: string }[]): Promise<void> {
    for (const t of targets) {
      const proc = this.own.track(
        Bun.spawn(["strace", "-c", "-f", "-o", t.file, "-p", String(t.pid)], { stdin: "ignore", stdout: "ignore", stderr: "pipe" }),
        `strace ${t.node}`,
      );
      this.tracers.push({ node: t.node, proc, file: t.file });
    }
    await Promise.all(
      this.tracers.map(async (t) => {
        const reader = t.proc.stderr.getReader();
        let text = "";
        const deadline = Date.now() + 15_000;
        while (!/attached/.test(text)) {
          if (Date.now() > deadline) throw new Error(`strace did not attach to ${t.node}: ${text.trim()}`);
          const next = await Promise.race([reader.read(), Bun.sleep(500).then(() => null)]);
          if (next === null) continue;
          if (next.done) throw new Error(`strace for ${t.node} exited: ${text.trim()}`);
          text += new TextDecoder().decode(next.value);
        }
        // Keep draining so strace never blocks on a full pipe.
        void (async () => {
          for (;;) if ((await reader.read()).done) break;
        })();
      }),
    );
  }

  /** Detaches (SIGINT makes strace write its summary) and returns each node's counts. */
  async detach(): Promise<Record<string, Record<string, SyscallCount>>> {
    for (const t of this.tracers) if (t.proc.exitCode === null) t.proc.kill("SIGINT");
    await Promise.race([Promise.all(this.tracers.map((t) => t.proc.exited)), Bun.sleep(30_000)]);
    const out: Record<string, Record<string, SyscallCount>> = {};
    for (const t of this.tracers) {
      if (t.proc.exitCode === null && t.proc.signalCode === null) t.proc.kill("SIGKILL");
      this.own.forget(t.proc.pid);
      try {
        out[t.node] = parseStraceSummary(readFileSync(t.file, "utf8"));
      } catch (err) {
        throw new Error(`no strace summary for ${t.node}: ${(err as Error).message}`);
      }
    }
    this.tracers.length = 0;
    return out;
  }
}
