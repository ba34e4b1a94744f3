// How many copies of a file's chunks exist right now: asks each ring owner (one batched HAS per
// owner) which of the chunks it holds. Used by /api/stat and, later, the web UI's health view.
import { errorMessage } from "../errors.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { Placement } from "./placement.ts";

export interface ChunkHealth {
  id: string;
  /** Ring position, 16 hex digits (for the web UI's ring view). */
  position: string;
  /** Owners, and full members that may still keep a copy (Placement.keepers). */
  owners: string[];
  /** Owners that confirmed they hold a copy. */
  holders: string[];
  /** For each owner on the ring, the virtual node a replica-set walk from `position` reaches it by (the UI draws to it). */
  reachedAt: Array<{ member: string; position: string }>;
  /** The copies this chunk should have (the largest its files' folders ask for, bounded by the members). */
  factor: number;
}

export interface ReplicaHealth {
  chunks: ChunkHealth[];
  /** The largest factor among the chunks (the cluster's for a file without chunks). */
  replicationFactor: number;
  /** Fewest confirmed copies of any chunk (the file's weakest point). */
  minCopies: number;
  underReplicated: boolean;
  /** Owners that could not be asked, with the reason. */
  unreachable: Record<string, string>;
}

const HAS_BATCH = 4096;
const hex = (p: bigint) => p.toString(16).padStart(16, "0");

export async function replicaHealth(
  chunkIds: readonly string[],
  c: { selfId: string; placement: Placement; store: ChunkStorage; rpc: PeerRpc },
): Promise<ReplicaHealth> {
  // A full member that keeps a copy counts as a holder: it is asked along with the owners.
  const ring = c.placement.ring;
  const chunks: ChunkHealth[] = chunkIds.map((id) => {
    const position = ring.positionOf(id);
    const owners = c.placement.keepers(id);
    const reached = [...ring.reachedAt(position, owners)].map(([member, at]) => ({ member, position: hex(at) }));
    return { id, position: hex(position), owners, holders: [], reachedAt: reached, factor: c.placement.chunkFactor(id) };
  });
  const byOwner = new Map<string, ChunkHealth[]>();
  for (const ch of chunks) {
    for (const o of ch.owners) byOwner.set(o, [...(byOwner.get(o) ?? []), ch]);
  }
  // Keyed by member id: a map without a prototype, so no id can reach Object.prototype.
  const unreachable: Record<string, string> = Object.create(null);
  await Promise.all(
    [...byOwner].map(async ([owner, list]) => {
      if (owner === c.selfId) {
        for (const ch of list) if (c.store.has(ch.id)) ch.holders.push(owner);
        return;
      }
      if (!c.placement.member(owner)) return;
      try {
        for (let i = 0; i < list.length; i += HAS_BATCH) {
          const page = list.slice(i, i + HAS_BATCH);
          const present = await c.rpc.call(owner, "chunk.has", { ids: page.map((ch) => ch.id) });
          page.forEach((ch, j) => present[j] && ch.holders.push(owner));
        }
      } catch (err) {
        unreachable[owner] = errorMessage(err);
      }
    }),
  );
  const n = chunks.length ? Math.max(...chunks.map((ch) => ch.factor)) : c.placement.effectiveReplicationFactor();
  const minCopies = chunks.length ? Math.min(...chunks.map((ch) => ch.holders.length)) : n;
  return { chunks, replicationFactor: n, minCopies, underReplicated: chunks.some((ch) => ch.holders.length < ch.factor), unreachable };
}
