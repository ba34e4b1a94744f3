// Samples resident memory (VmRSS every 100 ms, VmHWM on demand) and CPU time of the node processes and of the
// bench itself, per phase: how much memory each node peaked at, and which process was busy in which phase.
import { readFileSync } from "node:fs";
import { MB } from "./stats.ts";

export interface ProcPhase {
  peakRssMB: number | null;
  endRssMB: number | null;
  /** user + system CPU time spent in the phase. */
  cpuMs: number | null;
}

export interface PhaseStats {
  name: string;
  wallMs: number;
  procs: Record<string, ProcPhase>;
}

const clockTicks = (() => {
  const r = Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe", stderr: "ignore" });
  const n = Number(r.stdout.toString().trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

function statusField(pid: number, field: "VmRSS" | "VmHWM"): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    return m ? (Number(m[1]) * 1024) / MB : null;
  } catch {
    return null; // process gone
  }
}

function cpuMs(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3 (state); utime, stime are 14, 15.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / clockTicks;
  } catch {
    return null;
  }
}

interface OpenPhase {
  name: string;
  t0: number;
  cpu0: Record<string, number | null>;
  peak: Record<string, number | null>;
}

export class ProcessSampler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private current: OpenPhase | undefined;
  private readonly done: PhaseStats[] = [];
  private readonly overallPeak: Record<string, number | null> = {};

  /** `pids`: a name per process, e.g. { n1: 1234, bench: process.pid }. */
  constructor(
    private readonly pids: Record<string, number> = {},
    private readonly intervalMs = 100,
  ) {
    for (const name of Object.keys(pids)) this.overallPeak[name] = null;
  }

  /** Starts sampling one more process (a node added during the run) from the current phase on. */
  addProcess(name: string, pid: number): void {
    this.pids[name] = pid;
    this.overallPeak[name] ??= null;
    if (this.current) {
      this.current.cpu0[name] = cpuMs(pid);
      this.current.peak[name] = null;
    }
  }

  start(firstPhase: string): void {
    this.open(firstPhase);
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** Ends the current phase and starts the next one. */
  phase(name: string): void {
    this.close();
    this.open(name);
  }

  stop(): PhaseStats[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.close();
    return this.done;
  }

  phases(): PhaseStats[] {
    return this.done;
  }

  /** Highest VmRSS sampled over the whole run, MB. */
  peaks(): Record<string, number | null> {
    return { ...this.overallPeak };
  }

  /** The kernel's own high-water mark (VmHWM), MB; read it before the processes exit. */
  highWaterMarks(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(this.pids)) out[name] = statusField(pid, "VmHWM");
    return out;
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const rss = statusField(pid, "VmRSS");
      if (rss === null) continue;
      if (this.current) this.current.peak[name] = Math.max(this.current.peak[name] ?? 0, rss);
      this.overallPeak[name] = Math.max(this.overallPeak[name] ?? 0, rss);
    }
  }

  private open(name: string): void {
    const cpu0: Record<string, number | null> = {};
    const peak: Record<string, number | null> = {};
    for (const [n, pid] of Object.entries(this.pids)) {
      cpu0[n] = cpuMs(pid);
      peak[n] = null;
    }
    this.current = { name, t0: performance.now(), cpu0, peak };
    this.sample();
  }

  private close(): void {
    const cur = this.current;
    if (!cur) return;
    this.sample();
    const procs: Record<string, ProcPhase> = {};
    for (const [n, pid] of Object.entries(this.pids)) {
      const c1 = cpuMs(pid);
      const c0 = cur.cpu0[n] ?? null;
      procs[n] = {
        peakRssMB: cur.peak[n] ?? null,
        endRssMB: statusField(pid, "VmRSS"),
        cpuMs: c1 !== null && c0 !== null ? c1 - c0 : null,
      };
    }
    this.done.push({ name: cur.name, wallMs: performance.now() - cur.t0, procs });
    this.current = undefined;
  }
}
