// Runs N client processes (client.ts) as one measurement: starts them all, waits until each has prepared,
// releases them at once, and takes the span from the first start to the last end as the figure's time.
import type { Subprocess } from "bun";
import { join } from "node:path";
import { type LatencySummary, latencySummary, mbps, opsPerSec } from "../stats.ts";
import type { ClientJob, ClientResult } from "./client.ts";
import type { OwnProcesses } from "./own-processes.ts";

const CLIENT = join(import.meta.dir, "client.ts");

export interface GroupResult {
  clients: number;
  ok: number;
  errors: number;
  errorSamples: string[];
  bytes: number;
  /** First client's start → last client's end. */
  ms: number;
  mbps: number | null;
  opsPerSec: number | null;
  latency: LatencySummary;
  sha256?: string;
  response?: unknown;
}

async function readLine(reader: ReadableStreamDefaultReader<Uint8Array>, buffered: { text: string }, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!buffered.text.includes("\n")) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no answer from a client within ${timeoutMs} ms`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = await Promise.race([
      reader.read(),
      new Promise<"timeout">((r) => {
        timer = setTimeout(() => r("timeout"), left);
      }),
    ]);
    clearTimeout(timer);
    if (next === "timeout") continue;
    if (next.done) throw new Error(`client exited early${buffered.text ? `: ${buffered.text.trim()}` : ""}`);
    buffered.text += new TextDecoder().decode(next.value);
  }
  const at = buffered.text.indexOf("\n");
  const line = buffered.text.slice(0, at);
  buffered.text = buffered.text.slice(at + 1);
  return line;
}

/**
 * One measurement with `jobs.length` clients. `timeoutMs` bounds the whole run; the clients are killed (by their
 * PIDs) when it passes or anything fails.
 */
export async function runClients(jobs: ClientJob[], own: OwnProcesses, timeoutMs: number): Promise<GroupResult> {
  const procs: Subprocess<"pipe", "pipe", "pipe">[] = jobs.map((job) =>
    own.track(
      Bun.spawn([process.execPath, CLIENT, JSON.stringify(job)], { stdin: "pipe", stdout: "pipe", stderr: "pipe" }),
      "client",
    ),
  );
  try {
    const readers = procs.map((p) => ({ reader: p.stdout.getReader(), buffered: { text: "" } }));
    const lineOf = async (k: number, ms: number) => {
      const r = readers[k]!;
      try {
        return await readLine(r.reader, r.buffered, ms);
      } catch (err) {
        const stderr = await Promise.race([new Response(procs[k]!.stderr).text(), Bun.sleep(1000).then(() => "")]);
        throw new Error(`client ${k}: ${(err as Error).message}${stderr ? `\n${stderr.trim().slice(-1500)}` : ""}`);
      }
    };
    // Preparing includes hashing a large payload: allow for a slow machine.
    const ready = await Promise.all(procs.map((_, k) => lineOf(k, 120_000)));
    ready.forEach((line, k) => {
      if (line !== "READY") throw new Error(`client ${k}: ${line}`);
    });
    for (const p of procs) {
      p.stdin.write("GO\n");
      p.stdin.flush();
    }
    const lines = await Promise.all(procs.map((_, k) => lineOf(k, timeoutMs)));
    const results = lines.map((line, k) => {
      if (!line.startsWith("RESULT ")) throw new Error(`client ${k}: ${line}`);
      return JSON.parse(line.slice("RESULT ".length)) as ClientResult;
    });
    await Promise.all(procs.map((p) => p.exited));
    return combine(results);
  } finally {
    for (const p of procs) {
      if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
      own.forget(p.pid);
    }
  }
}

/** The results of one measurement's clients as one figure. Pure. */
export function combine(results: ClientResult[]): GroupResult {
  const start = Math.min(...results.map((r) => r.startMs));
  const end = Math.max(...results.map((r) => r.endMs));
  const ms = end - start;
  const ok = results.reduce((s, r) => s + r.ok, 0);
  const bytes = results.reduce((s, r) => s + r.bytes, 0);
  const errorSamples = results.flatMap((r) => r.errorSamples).slice(0, 5);
  const first = results[0];
  return {
    clients: results.length,
    ok,
    errors: results.reduce((s, r) => s + r.errors, 0),
    errorSamples,
    bytes,
    ms,
    mbps: mbps(bytes, ms),
    opsPerSec: opsPerSec(ok, ms),
    latency: latencySummary(results.flatMap((r) => r.latenciesMs)),
    ...(first?.sha256 ? { sha256: first.sha256 } : {}),
    ...(first?.response !== undefined ? { response: first.response } : {}),
  };
}
