// What the CPU benchmarks read off running nodes: each thread's CPU seconds from /proc (by thread kind), and the
// peer calls the nodes made and their answers' bytes, by method, from their /metrics.
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
export function peerCalls(urls: readonly string[]): Promise<Map<string, number>> {
  return byMethod(urls, "orrery_peer_calls_total");
}

/** Bytes of the answers to those calls, by method, summed. */
export function peerAnswerBytes(urls: readonly string[]): Promise<Map<string, number>> {
  return byMethod(urls, "orrery_peer_answer_bytes_total");
}

async function byMethod(urls: readonly string[], metric: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const pattern = new RegExp(`^${metric}\\{method="([^"]+)"\\} (\\d+)`);
  for (const url of urls) {
    for (const line of (await (await fetch(`${url}/metrics`)).text()).split("\n")) {
      const m = pattern.exec(line);
      if (m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
    }
  }
  return out;
}
