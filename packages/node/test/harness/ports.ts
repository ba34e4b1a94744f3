// Free loopback ports for test nodes (bind, read the port, release it; each checked for both TCP and UDP,
// since a node uses one of each kind per number it announces), and waiting for a node to serve on them.
import { createSocket } from "node:dgram";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const taken = new Set<number>();

/**
 * Ports handed out by any test process on this host: a file per port holding its owner's pid. The suite runs
 * test files in parallel worker processes (and people run tests side by side), and a port checked free by one
 * process stays unbound until its node starts a second or two later; without a shared record another process
 * could pick it in that window, and one of the two nodes would fail with "address in use".
 */
const RESERVED = join(tmpdir(), "orrery-test-ports");
mkdirSync(RESERVED, { recursive: true });
process.on("exit", () => {
  for (const port of taken) rmSync(join(RESERVED, String(port)), { force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Claims `port` for this process unless a live process holds it; a dead owner's claim is taken over. */
function reserve(port: number): boolean {
  const file = join(RESERVED, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(file, "utf8"));
    } catch {
      continue; // released meanwhile: try to create it again
    }
    if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || alive(owner)) return false;
    rmSync(file, { force: true });
  }
  return false;
}

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
  // A block of one's own (ORRERY_TEST_PORTS=22000-22999) when several people test side by side on one host.
  const own = /^(\d+)-(\d+)$/.exec(process.env.ORRERY_TEST_PORTS ?? "");
  if (own && Number(own[1]) < Number(own[2])) return [Number(own[1]), Number(own[2]) + 1];
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

/**
 * Claims every port of `ports` for this process if each is free and held by no other test process (a block
 * of consecutive ports, as `orrery sim --base-port` uses); claims nothing and answers false otherwise.
 */
export async function claimPorts(ports: number[]): Promise<boolean> {
  const mine: number[] = [];
  const release = () => {
    for (const port of mine) rmSync(join(RESERVED, String(port)), { force: true });
  };
  for (const port of ports) {
    if (taken.has(port) || !reserve(port)) {
      release();
      return false;
    }
    mine.push(port);
  }
  if (!(await Promise.all(ports.map(portFree))).every(Boolean)) {
    release();
    return false;
  }
  for (const port of ports) taken.add(port);
  return true;
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = rangeLow + Math.floor(Math.random() * (rangeHigh - rangeLow));
    if (taken.has(port) || !reserve(port)) continue;
    taken.add(port);
    if (await portFree(port)) return port;
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
