// Runs the `orrery` client as a user would (a process of the same executable), for tests of CLI commands
// against real nodes.
import { join } from "node:path";

const PKG = join(import.meta.dir, "..", "..");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `orrery <args>` with `env` over the test's environment (e.g. the cluster key); waits for it to exit. */
export async function orrery(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const proc = Bun.spawn([process.execPath, "src/main.ts", ...args], { cwd: PKG, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
