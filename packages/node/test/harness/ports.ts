// Free loopback ports for test nodes (bind, read the port, release it; each checked for both TCP and UDP,
// since a node uses one of each kind per number it announces), and waiting for a node to serve on them.
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const taken = new Set<number>();

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * Ports are drawn below the kernel's ephemeral range: a port in that range can be handed to an outgoing
 * connection (a test's fetch, a node's transfer client) between our check and the node's bind, which made a
 * node fail to start with "port already in use" now and then.
 */
function candidateRange(): [number, number] {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 12_000) return [10_000, low];
  } catch {
    // Not Linux: fall through to the IANA dynamic range's complement.
  }
  return [10_000, 49_152];
}

/** The range test ports are drawn from: [low, high). */
export const [rangeLow, rangeHigh] = candidateRange();

/** Whether both TCP and UDP `port` can be bound on loopback right now. */
export async function portFree(port: number): Promise<boolean> {
  return (await tcpFree(port)) && (await udpFree(port));
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = rangeLow + Math.floor(Math.random() * (rangeHigh - rangeLow));
    if (taken.has(port)) continue;
    if (await portFree(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error("no free port found");
}

/**
 * Polls `url`/status until it answers 200; `assertRunning` throws (with the process's log) once the
 * process has died, so a node that cannot start fails fast instead of timing out.
 */
export async function waitForStatus(
  url: string,
  assertRunning: () => void,
  timeoutMs: number,
  notReady: () => Error,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A node with TLS on answers with its own certificate: readiness is all this asks, so any certificate does.
  const tls = url.startsWith("https:") ? { tls: { rejectUnauthorized: false } } : {};
  while (Date.now() < deadline) {
    assertRunning();
    try {
      const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(1000), ...tls } as RequestInit);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(50);
  }
  throw notReady();
}
