// Every process the compare run starts (daemons, FUSE clients, client programs, strace), by PID, so that the
// end of the run — normal, failed or interrupted — stops exactly those and nothing else on the machine.
import type { Subprocess } from "bun";

export class OwnProcesses {
  private readonly procs = new Map<number, { proc: Subprocess; label: string }>();

  track<P extends Subprocess>(proc: P, label: string): P {
    this.procs.set(proc.pid, { proc, label });
    return proc;
  }

  forget(pid: number): void {
    this.procs.delete(pid);
  }

  /** Tracked processes still running, with their labels. */
  running(): { pid: number; label: string }[] {
    return [...this.procs.entries()]
      .filter(([, p]) => p.proc.exitCode === null && p.proc.signalCode === null)
      .map(([pid, p]) => ({ pid, label: p.label }));
  }

  /** SIGTERM to every running one, SIGKILL to those still there after `graceMs`. */
  async stopAll(graceMs = 5000): Promise<void> {
    const live = [...this.procs.values()].filter((p) => p.proc.exitCode === null && p.proc.signalCode === null);
    for (const p of live) p.proc.kill("SIGTERM");
    const deadline = Date.now() + graceMs;
    await Promise.race([Promise.all(live.map((p) => p.proc.exited)), Bun.sleep(Math.max(0, deadline - Date.now()))]);
    for (const p of live) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill("SIGKILL");
    await Promise.all(live.map((p) => p.proc.exited));
    this.procs.clear();
  }

  /** Synchronous last resort (process exit handler). */
  killNow(): void {
    for (const p of this.procs.values()) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill("SIGKILL");
  }
}

/** Runs a command to completion; throws with its stderr when it fails. */
export function run(cmd: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", env: opts.env as Record<string, string> | undefined, cwd: opts.cwd });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (exit ${r.exitCode}): ${(r.stderr.toString() || r.stdout.toString()).trim().slice(-1500)}`);
  return r.stdout.toString();
}

/** Like run(), without throwing: for clean-up steps that may find nothing to do. */
export function tryRun(cmd: string[]): { ok: boolean; out: string } {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, out: (r.stdout.toString() + r.stderr.toString()).trim() };
}

/** Runs a command asynchronously (so the event loop keeps going); resolves with exit code, time and output. */
export async function runTimed(
  cmd: string[],
  own: OwnProcesses,
  opts: { env?: Record<string, string | undefined>; cwd?: string; label?: string } = {},
): Promise<{ code: number; ms: number; stdout: string; stderr: string }> {
  const t0 = performance.now();
  const proc = own.track(
    Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: opts.env as Record<string, string> | undefined, cwd: opts.cwd }),
    opts.label ?? cmd[0]!,
  );
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const ms = performance.now() - t0;
  own.forget(proc.pid);
  return { code, ms, stdout, stderr };
}
