// Helpers shared by the fault tests (partition, chaos): network partitions through the fault
// injection endpoint, member-state checks, copy counts on live nodes, and HTTP calls with timeouts
// that report connection errors as values instead of throwing.
import type { TestCluster, TestNode } from "../harness/cluster.ts";
import { getAnswer } from "../harness/api.ts";
import { sha256 } from "../harness/cluster.ts";

export const FAULT_ENV = { FAULT_INJECTION: "true" };

/** Replaces the set of peers `node` is cut off from (both gossip directions, its outgoing transfers and manifest traffic). */
export async function setBlocked(node: TestNode, peers: string[]): Promise<void> {
  const res = await fetch(`${node.url}/api/admin/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ blockedPeers: peers }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`POST /api/admin/faults on ${node.id}: ${res.status} ${await res.text()}`);
  const health = await getAnswer(`${node.url}/api/health`, "health", { signal: AbortSignal.timeout(10_000) });
  const shown = [...(health.faults?.blockedPeers ?? [])].sort();
  if (JSON.stringify(shown) !== JSON.stringify([...peers].sort())) {
    throw new Error(`${node.id} reports blockedPeers ${JSON.stringify(shown)}, expected ${JSON.stringify(peers)}`);
  }
}

/** Delays every gossip datagram `node` reads by `ms` (as an event loop that far behind would), cutting it off from no peer. */
export async function setGossipDelay(node: TestNode, ms: number): Promise<void> {
  const res = await fetch(`${node.url}/api/admin/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ blockedPeers: [], gossipDelayMs: ms }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { gossipDelayMs?: number };
  if (res.status !== 200 || body.gossipDelayMs !== ms) throw new Error(`POST /api/admin/faults on ${node.id}: ${res.status} ${JSON.stringify(body)}`);
}

/** A clean partition: every node of each side blocks every node of the other side. */
export async function partition(sideA: TestNode[], sideB: TestNode[]): Promise<void> {
  const idsA = sideA.map((n) => n.id);
  const idsB = sideB.map((n) => n.id);
  await Promise.all([...sideA.map((n) => setBlocked(n, idsB)), ...sideB.map((n) => setBlocked(n, idsA))]);
}

export async function heal(nodes: TestNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => setBlocked(n, [])));
}

/** Member states as `observer` sees them, by id. */
export async function statesAt(observer: TestNode): Promise<Map<string, string>> {
  const { members } = await getAnswer(`${observer.url}/api/cluster`, "cluster", { signal: AbortSignal.timeout(5000) });
  return new Map(members.map((m) => [m.id, m.state]));
}

/** Copies of each chunk id in the data dirs of the given nodes (pass only live nodes). */
export function liveCopies(nodes: TestNode[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const n of nodes) for (const id of n.chunkFiles()) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

export function runningNodes(cluster: TestCluster): TestNode[] {
  return cluster.nodes.filter((n) => n.running);
}

export interface PutOutcome {
  /** HTTP status, or 0 when the request failed at the connection level (refused, reset, timed out). */
  status: number;
  body: any;
  error?: string;
}

export async function tryPut(url: string, path: string, data: Uint8Array<ArrayBuffer> | string, timeoutMs = 60_000): Promise<PutOutcome> {
  try {
    const res = await fetch(`${url}/api/files/${path}?durability=quorum`, {
      method: "PUT",
      body: data,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body };
  } catch (err) {
    return { status: 0, body: undefined, error: String(err) };
  }
}

export interface ReadOutcome {
  status: number;
  sha?: string;
  size?: number;
  version?: string;
  error?: string;
}

/** GET of a file: status, and when 200 the SHA-256 of the bytes and the manifest version served. */
export async function tryRead(url: string, path: string, timeoutMs = 20_000): Promise<ReadOutcome> {
  try {
    const res = await fetch(`${url}/api/files/${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) {
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status };
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: 200, sha: sha256(bytes), size: bytes.length, version: res.headers.get("x-orrery-version") ?? undefined };
  } catch (err) {
    return { status: 0, error: String(err) };
  }
}

/** Waits for `ms` (used only where the point is to let time pass, e.g. several anti-entropy rounds). */
export const pause = (ms: number) => Bun.sleep(ms);
