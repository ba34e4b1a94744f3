// The nodes' log lines at level "error" written while the campaign ran: each is worth a look even when
// every check passes (the node saw something it did not expect). Log files are read from where they
// ended when the campaign started.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** The harness writes `<logFile>.<n>`, one file per start of the node. */
function logFiles(logFile: string): string[] {
  const dir = dirname(logFile);
  const base = basename(logFile);
  try {
    return readdirSync(dir)
      .filter((f) => f.startsWith(`${base}.`))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Where each of a node's log files ends now. */
export function logOffsets(logFile: string): Map<string, number> {
  return new Map(logFiles(logFile).map((f) => [f, statSync(f).size]));
}

/** Lines at level "error" written after `offsets`. */
export function errorLinesSince(logFile: string, offsets: Map<string, number>): string[] {
  const out: string[] = [];
  for (const file of logFiles(logFile)) {
    const text = readFileSync(file).subarray(offsets.get(file) ?? 0).toString("utf8");
    for (const line of text.split("\n")) {
      if (line.includes('"level":"error"') || /^(error|panic|Segmentation fault|Bun has crashed)/i.test(line)) out.push(line);
    }
  }
  return out;
}

/** Counts of log lines written after `offsets`, by level (how chatty the node was about the inputs). */
export function levelsSince(logFile: string, offsets: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const file of logFiles(logFile)) {
    const text = readFileSync(file).subarray(offsets.get(file) ?? 0).toString("utf8");
    for (const m of text.matchAll(/"level":"(\w+)"/g)) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
  }
  return out;
}
