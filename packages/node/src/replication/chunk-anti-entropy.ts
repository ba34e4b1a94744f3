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

/**
 * Co-owners compared per round. With virtual nodes a member co-owns some range with nearly every other, so a
 * round with all of them was N - 1 calls (each a connection and a handshake, and as many answered for the
 * others): at a hundred nodes ~40 a minute on every node, idle or not. A round takes the next ones after the
 * last compared, in id order, so each is still compared every ⌈(N - 1) / 8⌉ rounds; a copy missing on another
 * owner is found sooner by the replica census (replica-census.ts, every minute).
 */
export const PEERS_PER_ROUND = 8;

export class ChunkAntiEntropy {
  readonly worker: BackgroundWorker;
  private readonly clock: Clock;
  /** The last co-owner a round compared with: the next round goes on after it. */
  private lastPeer: string | undefined;
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
   * One round: compares with the next PEERS_PER_ROUND live co-owners (or just `peerId`), so a chunk an owner
   * lacks is found within a few intervals whichever holder has it. Digests for all peers come from one pass
   * over the local chunks. Returns the copies queued.
   */
  async round(peerId?: string): Promise<number> {
    const { placement, selfId, store } = this.c;
    // Only members that take copies are compared: a full member or a storage-less gateway owns no chunk
    // (full ones keep theirs, but nothing is sent to them), so both sides would find nothing to share.
    if (!placement.ring.takesCopies(selfId)) return 0;
    const peers = placement
      .members()
      .filter((m) => m.id !== selfId && m.state === "alive" && placement.ring.takesCopies(m.id) && !this.c.isBlocked?.(m.id) && (!peerId || m.id === peerId));
    if (peers.length === 0) return 0;
    const turn = peerId ? peers : this.nextPeers(peers);
    this.stats.rounds++;
    this.stats.lastRoundAt = this.clock.now();
    const ring = ringFingerprint(placement);
    const mine = rangeDigestsByPeer(this.localIds(), selfId, placement, (id) => store.has(id));
    let queued = 0;
    for (const peer of turn) {
      if (ringFingerprint(placement) !== ring) break; // the ring moved meanwhile: the next round compares afresh
      queued += await this.compareWith(peer, ring, mine.get(peer.id) ?? new Array<string>(RANGES).fill("0".repeat(16)));
    }
    return queued;
  }

  /** The PEERS_PER_ROUND co-owners after the last one compared, in id order, wrapping around. */
  private nextPeers(peers: Member[]): Member[] {
    if (peers.length <= PEERS_PER_ROUND) return peers;
    const sorted = [...peers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const after = this.lastPeer;
    const start = Math.max(0, after === undefined ? 0 : sorted.findIndex((m) => m.id > after));
    const turn = Array.from({ length: PEERS_PER_ROUND }, (_, i) => sorted[(start + i) % sorted.length]!);
    this.lastPeer = turn.at(-1)!.id;
    return turn;
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
