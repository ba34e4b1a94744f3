// `orrery sync` as a separate process for the sync tests: its stdout lines as they come, waits on them, and
// the exit code; SIGKILL for a crash mid-sync.
import type { Subprocess } from "bun";
import { join } from "node:path";

const PKG = join(import.meta.dir, "..", "..");

export class SyncProcess {
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<number>;
  private readonly proc: Subprocess<"ignore", "pipe", "pipe">;

  constructor(localDir: string, remote: string, node: string, extra: string[] = []) {
    this.proc = Bun.spawn([process.execPath, "src/main.ts", "sync", localDir, remote, "--node", node, ...extra], {
      cwd: PKG,
      env: { ...process.env, ORRERY_NODE: undefined },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = this.collect(this.proc.stdout, (text) => this.lines.push(...text));
    const err = new Response(this.proc.stderr).text().then((t) => (this.stderr = t));
    this.exited = Promise.all([out, err]).then(() => this.proc.exited);
  }

  private async collect(stream: ReadableStream<Uint8Array>, onLines: (lines: string[]) => void): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stream) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      onLines(parts);
    }
    if (rest) onLines([rest]);
  }

  /** Lines matching `re`. */
  matching(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }

  async waitForLines(re: RegExp, count = 1, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.matching(re).length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} line(s) ${re}; output:\n${this.output()}`);
      if (this.proc.exitCode !== null) throw new Error(`sync exited (${this.proc.exitCode}) before ${count} line(s) ${re}:\n${this.output()}`);
      await Bun.sleep(20);
    }
  }

  output(): string {
    return `${this.lines.join("\n")}\n--- stderr ---\n${this.stderr}`;
  }

  kill(signal: "SIGKILL" | "SIGTERM" = "SIGTERM"): void {
    this.proc.kill(signal);
  }
}

/** `sync --once` to the end: its exit code and output. */
export async function syncOnce(localDir: string, remote: string, node: string): Promise<{ code: number; lines: string[]; output: string }> {
  const p = new SyncProcess(localDir, remote, node, ["--once"]);
  const code = await p.exited;
  return { code, lines: p.lines, output: p.output() };
}
