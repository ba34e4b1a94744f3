// What the Cluster page leads with, in a user's terms: how the nodes are doing, whether every file has all
// its copies, and which node holds how much of the data. Pure, so every number and sentence is tested.
import type { MemberState, NodeStatus } from "./api.ts";
import { type HealthTotals, storeUse } from "./cluster.ts";
import { plural } from "./format.ts";

type Tone = "good" | "warn" | "bad" | undefined;

/** "3 nodes · all answering · each file kept 3 times": the page's first line. */
export function clusterHeadline(states: Record<MemberState, number>, factor: number, effective: number | undefined): string {
  const nodes = states.alive + states.suspect + states.dead;
  const trouble = [states.suspect ? `${states.suspect} not answering` : "", states.dead ? `${states.dead} down` : ""].filter(Boolean);
  const answering = trouble.length === 0 ? (nodes === 1 ? "answering" : "all answering") : `${states.alive} answering, ${trouble.join(", ")}`;
  const kept = `each file kept ${factor === 1 ? "once" : `${factor} times`}`;
  const fewer = effective !== undefined && effective < factor ? ` (${effective} while there ${effective === 1 ? "is 1 storage node" : `are ${effective} storage nodes`})` : "";
  return `${plural(nodes, "node")} · ${answering} · ${kept}${fewer}`;
}

/** Is every file safe? A headline and a sentence on why, from the nodes' replica census and scrub counts. */
export function safety(t: HealthTotals, states: Pick<Record<MemberState, number>, "dead" | "suspect">, factor: number): { tone: Tone; headline: string; detail: string } {
  const f = t.factor ?? factor;
  const copies = f === 1 ? "copy" : "copies";
  const damaged = t.corrupt - t.repaired;
  if (damaged > 0) {
    return { tone: "bad", headline: "Damaged copies", detail: `${plural(damaged, "damaged copy", "damaged copies")} found by the scrub and not replaced yet` };
  }
  const down = states.dead + states.suspect;
  if (t.censusNodes === 0) {
    return down > 0
      ? { tone: "warn", headline: "Not counted yet", detail: "a node is down, so some files may be short of copies; the nodes are counting" }
      : { tone: undefined, headline: "Counting copies…", detail: "the nodes have not counted the copies yet" };
  }
  // A count from before the ring or the factor changed says nothing about now.
  if (t.censusStale) {
    return down > 0
      ? { tone: "warn", headline: "Recounting", detail: "a node is down; the others are counting the copies again" }
      : { tone: undefined, headline: "Recounting", detail: "the cluster changed since the last count; the nodes are counting the copies again" };
  }
  if (t.underReplicatedChunks === 0) {
    const fewer = f < factor ? `; ${factor} are asked for, but there are only ${f} storage nodes` : "";
    return { tone: "good", headline: "Every file is safe", detail: `every file has all ${f} ${copies}${fewer}` };
  }
  const short = `${plural(t.underReplicatedChunks, "chunk")} of your files ${t.underReplicatedChunks === 1 ? "has" : "have"} fewer than ${f} ${copies}`;
  return { tone: "warn", headline: "Short of copies", detail: `${short}: ${shortCause(t)}` };
}

function shortCause(t: HealthTotals): string {
  const wait = t.liveNodes !== undefined && t.liveNodes < (t.factor ?? 0)
    ? `only ${plural(t.liveNodes, "node")} can hold them, so the missing copies wait for nodes to return or join`
    : "the missing copies wait for the next count";
  if (t.repairable === 0) return wait;
  if (t.waitingForNodes === 0) return "the missing copies are being made now";
  return `${t.repairable.toLocaleString("en")} being copied now, the rest wait for nodes to return or join`;
}

/**
 * Which node holds how much: the bytes each storage node stores and its share of everything the nodes that
 * answered store. A gateway or a node that did not answer has no entry.
 */
export function dataShares(statuses: ReadonlyArray<{ id: string; status: Pick<NodeStatus, "chunks" | "storage"> | null | undefined }>): Map<string, { stored: number; share: number }> {
  const stored = new Map<string, number>();
  for (const s of statuses) {
    const use = storeUse(s.status);
    if (use) stored.set(s.id, use.stored);
  }
  const total = [...stored.values()].reduce((a, b) => a + b, 0);
  return new Map([...stored].map(([id, bytes]) => [id, { stored: bytes, share: total > 0 ? bytes / total : 0 }]));
}

/**
 * Your files (their own size, from the file table every node holds) against what their copies take on the
 * storage nodes that answered; `storageNodes`: how many there are, so the ones that did not answer are named.
 */
export function storedTotals(statuses: ReadonlyArray<Pick<NodeStatus, "chunks" | "storage" | "files"> | null | undefined>, storageNodes: number):
  | { fileBytes: number; files: number; onDisk: number; nodes: number; unanswered: number }
  | undefined {
  const answered = statuses.filter((s) => s != null);
  if (answered.length === 0) return undefined;
  // Every node holds every file row; the one with the most has caught up furthest.
  const files = answered.reduce((best, s) => (s.files.files > best.files ? s.files : best), answered[0]!.files);
  const stores = answered.map(storeUse).filter((u) => u !== undefined);
  return {
    fileBytes: files.bytes,
    files: files.files,
    onDisk: stores.reduce((a, u) => a + u.stored, 0),
    nodes: stores.length,
    unanswered: Math.max(0, storageNodes - stores.length),
  };
}
