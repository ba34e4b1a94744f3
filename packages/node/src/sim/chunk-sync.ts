// replication/chunk-anti-entropy.ts on simulated calls: every interval a node compares, with each live
// co-owner in turn, range digests of the chunks both should hold (the real chunk-digest.ts) and queues
// what the peer lacks.
import { differingRanges, idsInRanges, rangeDigests, ringFingerprint } from "../replication/chunk-digest.ts";
import type { NodeProcess } from "./virtual-node.ts";

/** The chunk ids of the local store in id order (store.ids() pages). */
export function localIds(p: NodeProcess): string[] {
  return [...p.node.chunks].sort();
}

/** The answers to chunks.digests and chunks.ids. */
export function digestsFor(p: NodeProcess, peer: string): { ring: string; digests: string[] } {
  return { ring: ringFingerprint(p.placement), digests: rangeDigests(localIds(p), p.id, peer, p.placement, (id) => p.node.chunks.has(id)) };
}

export function idsFor(p: NodeProcess, peer: string, ranges: number[]): string[] {
  return idsInRanges(localIds(p), p.id, peer, p.placement, ranges, (id) => p.node.chunks.has(id));
}

/** Like PeriodicTask: the first round one interval after start, the next one interval after each ends. */
export class ChunkSync {
  rounds = 0;

  constructor(private readonly p: NodeProcess) {}

  start(): void {
    if (this.p.ctx.settings.chunkSyncIntervalMs > 0) this.schedule();
  }

  private schedule(): void {
    this.p.timer(this.p.ctx.settings.chunkSyncIntervalMs, () => this.round(() => this.schedule()));
  }

  private round(done: () => void): void {
    const { p } = this;
    const peers = p.placement.members().filter((m) => m.id !== p.id && m.state === "alive");
    if (peers.length === 0) return done();
    this.rounds++;
    const ring = ringFingerprint(p.placement);
    // One peer after another, as the real round does.
    const next = (i: number) => {
      if (i >= peers.length || ringFingerprint(p.placement) !== ring) return done();
      this.compareWith(peers[i]!.id, ring, () => next(i + 1));
    };
    next(0);
  }

  private compareWith(peer: string, ring: string, done: () => void): void {
    const { p } = this;
    const timeout = 60_000;
    p.rpc.call(peer, "chunk-digests", { peer: p.id, ring }, timeout, (r) => {
      if (!r.ok || r.res.ring !== ring) return done(); // failed, or membership still settling
      const ranges = differingRanges(digestsFor(p, peer).digests, r.res.digests);
      if (ranges.length === 0) return done();
      p.rpc.call(peer, "chunk-ids", { peer: p.id, ring, ranges }, timeout, (ids) => {
        if (!ids.ok) return done();
        const theyHave = new Set(ids.res.ids);
        const missing = idsFor(p, peer, ranges).filter((id) => !theyHave.has(id));
        p.node.queue.enqueue(missing.map((chunkId) => ({ chunkId, target: peer })), p.now);
        if (missing.length > 0) {
          p.log(`chunk anti-entropy with ${peer} queued ${missing.length}: ${missing.slice(0, 8).map((c) => c.slice(0, 8)).join(" ")}`);
        }
        done();
      });
    });
  }
}
