// replication/chunk-reader.ts on simulated transfers: local copy, then the owners, then every other ring
// member; an owner found lacking the chunk gets a queued copy, a missing local copy is repaired.
import type { NodeProcess } from "./virtual-node.ts";

export function candidates(p: NodeProcess, chunkId: string): string[] {
  const owners = p.placement.owners(chunkId);
  const rest = p.placement.ring.memberIds.filter((id) => !owners.includes(id)).sort();
  return [p.id, ...[...owners, ...rest].filter((id) => id !== p.id)];
}

/** Calls `done(true)` once some node (possibly this one) served the chunk, `done(false)` if none could. */
export function readChunk(p: NodeProcess, chunkId: string, done: (ok: boolean) => void): void {
  const owners = p.placement.owners(chunkId);
  const order = candidates(p, chunkId);
  let localBad = false;
  const tryNext = (i: number): void => {
    if (i >= order.length) return done(false);
    const id = order[i]!;
    if (id === p.id) {
      if (p.node.chunks.has(chunkId)) return done(true);
      if (owners.includes(p.id)) localBad = true;
      return tryNext(i + 1);
    }
    if (!p.placement.member(id)) return tryNext(i + 1);
    p.rpc.call(id, "get", { chunk: chunkId }, p.ctx.settings.transferTimeoutMs, (r) => {
      if (r.ok && r.res.found) {
        if (localBad && !p.node.chunks.has(chunkId)) {
          p.node.chunks.add(chunkId);
          p.log(`read repair restored ${chunkId.slice(0, 8)}`);
        }
        return done(true);
      }
      if (owners.includes(id)) p.node.queue.enqueue([{ chunkId, target: id }], p.now);
      tryNext(i + 1);
    });
  };
  tryNext(0);
}
