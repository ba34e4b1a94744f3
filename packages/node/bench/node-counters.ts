// What the CPU benchmarks read off running nodes: each thread's CPU seconds from /proc (by thread kind), and the
// peer calls the nodes made, by method, from their /metrics.
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc's times. */
const USER_HZ = 100;

/** CPU seconds of every thread of `pid`, by thread name with digits folded ("Bun Pool 3" → "Bun Pool #"). */
export function threadCpu(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+/g, "#");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    byName.set(name, (byName.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / USER_HZ);
  }
  return byName;
}

/** Peer calls the nodes at `urls` made so far, by method, summed. */
export async function peerCalls(urls: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const url of urls) {
    for (const line of (await (await fetch(`${url}/metrics`)).text()).split("\n")) {
      const m = /^orrery_peer_calls_total\{method="([^"]+)"\} (\d+)/.exec(line);
      if (m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
    }
  }
  return out;
}
