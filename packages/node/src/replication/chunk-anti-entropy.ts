// Chunk anti-entropy: periodically, a node compares with each live co-owner which chunks both
// should hold (range digests first, id lists only for ranges that differ) and queues a copy of every
// chunk the peer lacks. The peer's own rounds cover the other direction. This heals what no ring
// change reveals: a copy lost on disk, a queue row lost with a coordinator that died for good, writes
// made on both sides of a partition.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Member } from "../membership/types.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import { differingRanges, idsInRanges, RANGES, rangeDigests, rangeDigestsByPeer, ringFingerprint } from "./chunk-digest.ts";
import type { Placement } from "./placement.ts";
import type { ReplicationQueue } from "./queue.ts";
import { BackgroundWorker } from "../util/background-worker.ts";
import { type Clock, systemClock } from "../util/clock.ts";


export interface ChunkAntiEntropyComponents {
  selfId: string;
  placement: Placement;
  store: ChunkStorage;
  queue: ReplicationQueue;
  rpc: PeerRpc;
  log: Logger;
  isBlocked?: (memberId: string) => boolean;
  random?: () => number;
  clock?: Clock;
}

export interface AntiEntropyStats {
  rounds: number;
  rangesDiffering: number;
  copiesQueued: number;
  lastRoundAt: number | null;
}

export class ChunkAntiEntropy {
  readonly worker: BackgroundWorker;
  private readonly clock: Clock;
  readonly stats: AntiEntropyStats = { rounds: 0, rangesDiffering: 0, copiesQueued: 0, lastRoundAt: null };

  constructor(
    intervalMs: number,
    private readonly c: ChunkAntiEntropyComponents,
  ) {
    this.clock = c.clock ?? systemClock;
    this.worker = new BackgroundWorker({ name: "chunk-anti-entropy", intervalMs, clock: this.clock, log: c.log }, async () => void (await this.round()));
  }

  private *localIds(): Generator<string> {
    let after: string | undefined;
    for (;;) {
      const page = this.c.store.ids(after, 1000);
      if (page.length === 0) return;
      yield* page;
      after = page[page.length - 1];
    }
  }

  /** Answers a peer: our digests for the chunks we and it should both hold. */
  digestsFor(peer: string): { ring: string; digests: string[] } {
    const { selfId, placement, store } = this.c;
    return { ring: ringFingerprint(placement), digests: rangeDigests(this.localIds(), selfId, peer, placement, (id) => store.has(id)) };
  }

  idsFor(peer: string, ranges: number[]): string[] {
    const { selfId, placement, store } = this.c;
    return idsInRanges(this.localIds(), selfId, peer, placement, ranges, (id) => store.has(id));
  }

  ringFingerprint(): string {
    return ringFingerprint(this.c.placement);
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /**
   * One round: compares with every live co-owner (or just `peerId`), so a chunk an owner lacks is found
   * within one interval whichever holder has it. Digests for all peers come from one pass over the
   * local chunks. Returns the copies queued.
   */
  async round(peerId?: string): Promise<number> {
    const { placement, selfId, store } = this.c;
    const peers = placement
      .members()
      .filter((m) => m.id !== selfId && m.state === "alive" && !this.c.isBlocked?.(m.id) && (!peerId || m.id === peerId));
    if (peers.length === 0) return 0;
    this.stats.rounds++;
    this.stats.lastRoundAt = this.clock.now();
    const ring = ringFingerprint(placement);
    const mine = rangeDigestsByPeer(this.localIds(), selfId, placement, (id) => store.has(id));
    let queued = 0;
    for (const peer of peers) {
      if (ringFingerprint(placement) !== ring) break; // the ring moved meanwhile: the next round compares afresh
      queued += await this.compareWith(peer, ring, mine.get(peer.id) ?? new Array<string>(RANGES).fill("0".repeat(16)));
    }
    return queued;
  }

  private async compareWith(peer: Member, ring: string, mine: string[]): Promise<number> {
    const { log } = this.c;
    try {
      const theirs = await this.c.rpc.call(peer.id, "chunks.digests", { ring });
      if (theirs.ring !== ring) return 0; // membership still settling: compare next round
      const ranges = differingRanges(mine, theirs.digests);
      if (ranges.length === 0) return 0;
      this.stats.rangesDiffering += ranges.length;
      const { ids } = await this.c.rpc.call(peer.id, "chunks.ids", { ring, ranges });
      const theyHave = new Set(ids);
      const missing = this.idsFor(peer.id, ranges).filter((id) => !theyHave.has(id));
      this.c.queue.enqueue(missing.map((chunkId) => ({ chunkId, target: peer.id })), this.clock.now());
      this.stats.copiesQueued += missing.length;
      if (missing.length > 0) log.info("anti-entropy: queued copies a co-owner lacks", { peer: peer.id, copies: missing.length, ranges: ranges.length });
      return missing.length;
    } catch (err) {
      log.warn("chunk anti-entropy round failed", { peer: peer.id, err: errorMessage(err) });
      return 0;
    }
  }
}
