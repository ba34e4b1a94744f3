// Truthful health: how many chunks have fewer live copies than the replication factor, counted, not guessed
// from the replication queue (which knows only the copies someone already decided to send). Every chunk is
// reported by exactly one node: the first of its current owners (ring members, so live) that holds it. A
// node walks its own chunks; for those it owns, it asks the owners before it in the owner list (and the ones
// after it, to count the copies) which they hold, one batched HAS per owner and page. Summed over the nodes,
// the counts are the cluster's. A missing copy on a live owner is queued at once by the reporting node, so
// a chunk that no ring change revealed (a replication factor raised, a copy lost) does not wait for the next
// chunk anti-entropy round. A pass runs every interval, soon after a ring change, again shortly after a
// pass that found copies to make, and shortly after this node's chunks changed (written or removed since the
// pass: new writes are counted within seconds, not at the next interval).
import { errorMessage } from "../errors.ts";
import { BackgroundWorker } from "../util/background-worker.ts";
import { type Clock, systemClock, type Timer } from "../util/clock.ts";
import { ringFingerprint } from "./chunk-digest.ts";
import type { SurplusSweeperComponents } from "./surplus-sweeper.ts";

export interface CensusCounts {
  /**
   * The cluster's replication factor (the effective one: members that left do not count); a chunk that a folder
   * with its own factor references is counted against its own (Placement.chunkFactor).
   */
  factor: number;
  /** Ring members (alive or suspect) when the pass ran. */
  liveNodes: number;
  /** Chunks this node reported on (it was their first live holder among the owners). */
  chunks: number;
  /** Of those, chunks with fewer live copies than the factor. */
  underReplicated: number;
  /** Copies missing from those chunks, in all. */
  missingCopies: number;
  /** Under-replicated chunks that a live owner lacks: a copy can be made now (and was queued). */
  repairable: number;
  /** Under-replicated chunks every live owner holds: no copy is possible until nodes join or return. */
  waitingForNodes: number;
  /** Under-replicated chunks by their live copies ("1": 12, "2": 80). */
  byLiveCopies: Record<string, number>;
}

export interface ReplicationCensus extends CensusCounts {
  /** Wall-clock ms when the pass that produced these counts ended. */
  checkedAt: number;
  /** The ring changed since (a pass is due), or owners could not be asked: the counts may be off. */
  stale: boolean;
  /** Owners that did not answer in the last pass, with the reason (their copies were not counted). */
  unreachable: Record<string, string>;
}

export function emptyCounts(factor: number, liveNodes: number): CensusCounts {
  return { factor, liveNodes, chunks: 0, underReplicated: 0, missingCopies: 0, repairable: 0, waitingForNodes: 0, byLiveCopies: {} };
}

/**
 * Adds one chunk to the counts (pure): `owners` are its current owners (ring members, so live), `holds` says
 * which hold a copy, `factor` is the chunk's own. Returns the owners lacking one when this node (`selfId`)
 * reports it, else undefined.
 */
export function countChunk(
  counts: CensusCounts,
  selfId: string,
  owners: readonly string[],
  holds: (id: string) => boolean,
  factor: number = counts.factor,
): string[] | undefined {
  const holders = owners.filter(holds);
  if (holders[0] !== selfId) return undefined;
  counts.chunks++;
  const lacking = owners.filter((o) => !holds(o));
  if (holders.length >= factor) return lacking;
  counts.underReplicated++;
  counts.missingCopies += factor - holders.length;
  counts.byLiveCopies[holders.length] = (counts.byLiveCopies[holders.length] ?? 0) + 1;
  if (lacking.length > 0) counts.repairable++;
  else counts.waitingForNodes++;
  return lacking;
}

/** The sweeper's components (the same node parts), and the fault injector's blocked peers. */
export interface ReplicaCensusComponents extends Omit<SurplusSweeperComponents, "paused"> {
  isBlocked?: (memberId: string) => boolean;
}

const PAGE = 1000;
const RING_DEBOUNCE_MS = 1000;
const FOLLOW_UP_MIN_MS = 2000;
/**
 * The store watch's longest wait: it doubles from the follow-up's while the chunks stay as counted, so an idle
 * node is not woken every 2 s (each wake-up of a hundred idle processes on two cores costs), and a write is
 * still counted within seconds.
 */
const WATCH_MAX_MS = 8000;

export class ReplicaCensus {
  readonly worker: BackgroundWorker;
  private readonly clock: Clock;
  private last: (CensusCounts & { checkedAt: number; ring: string; store: string; complete: boolean; unreachable: Record<string, string> }) | undefined;
  private debounce: Timer | undefined;
  private followUp: Timer | undefined;

  constructor(
    intervalMs: number,
    private readonly c: ReplicaCensusComponents,
  ) {
    this.clock = c.clock ?? systemClock;
    this.worker = new BackgroundWorker({ name: "replica-census", intervalMs, firstDelayMs: RING_DEBOUNCE_MS, clock: this.clock, log: c.log }, async () => void (await this.pass()));
  }

  start(): void {
    this.worker.start();
  }

  async stop(): Promise<void> {
    // After the pass in progress, which may arm a follow-up.
    await this.worker.stop();
    this.debounce?.cancel();
    this.followUp?.cancel();
  }

  /** The ring changed: the counts are stale; a pass runs once membership has settled for a moment. */
  ringChanged(): void {
    this.debounce?.cancel();
    this.debounce = this.clock.timer(RING_DEBOUNCE_MS, () => this.worker.wake());
  }

  /** The latest counts, or undefined before the first pass. */
  census(): ReplicationCensus | undefined {
    const l = this.last;
    if (!l) return undefined;
    const { ring, store, complete, ...counts } = l;
    return { ...counts, stale: !complete || ring !== ringFingerprint(this.c.placement) || store !== this.storeFingerprint() };
  }

  /**
   * This node's chunk count and bytes: when they differ from a pass's, chunks were written or removed since
   * and its counts may be off. (A removal and a write of the same size in between go unnoticed until the
   * next interval's pass.)
   */
  private storeFingerprint(): string {
    const { count, bytes } = this.c.store.stats();
    return `${count}/${bytes}`;
  }

  /** One pass over this node's chunks; returns the counts (also kept for census()). */
  async pass(): Promise<CensusCounts> {
    const { placement, store, selfId, queue } = this.c;
    const started = this.clock.elapsed();
    const ring = ringFingerprint(placement);
    const storeAtStart = this.storeFingerprint();
    const counts = emptyCounts(placement.effectiveReplicationFactor(), placement.ring.size);
    const unreachable: Record<string, string> = Object.create(null);
    let queued = 0;
    let after: string | undefined;
    for (;;) {
      const ids = store.ids(after, PAGE);
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      const owned = ids
        .map((id) => {
          const factor = placement.chunkFactor(id);
          return { id, factor, owners: placement.owners(id, factor) };
        })
        .filter((x) => x.owners.includes(selfId));
      const present = await this.ask(owned, unreachable);
      const copies: Array<{ chunkId: string; target: string }> = [];
      for (const { id, factor, owners } of owned) {
        const holds = (o: string) => (o === selfId ? store.has(id) : present.get(o)?.has(id) === true);
        const lacking = countChunk(counts, selfId, owners, holds, factor);
        for (const target of lacking ?? []) if (!(target in unreachable)) copies.push({ chunkId: id, target });
      }
      queue.enqueue(copies, this.clock.now());
      queued += copies.length;
      await this.clock.sleep(0);
      if (this.worker.stopping) return counts;
    }
    const complete = Object.keys(unreachable).length === 0 && ring === ringFingerprint(placement);
    this.last = { ...counts, checkedAt: this.clock.now(), ring, store: storeAtStart, complete, unreachable };
    if (queued > 0) this.c.log.info("census queued missing copies", { copies: queued, underReplicated: counts.underReplicated });
    // Count again soon (at most a tenth of the time) when copies are being made or owners were unreachable,
    // else as soon as this node's chunks change.
    const ms = Math.max(FOLLOW_UP_MIN_MS, 10 * (this.clock.elapsed() - started));
    this.followUp?.cancel();
    if (counts.repairable > 0 || !complete) this.followUp = this.clock.timer(ms, () => this.worker.wake());
    else this.watchStore(ms, storeAtStart);
    return counts;
  }

  /** After `ms`, then less often up to WATCH_MAX_MS, until stopped or the next pass: a pass once the chunks differ from `counted`. */
  private watchStore(ms: number, counted: string): void {
    this.followUp = this.clock.timer(ms, () => {
      if (this.worker.stopping) return;
      if (this.storeFingerprint() !== counted) this.worker.wake();
      else this.watchStore(Math.max(ms, Math.min(WATCH_MAX_MS, 2 * ms)), counted);
    });
  }

  /** Which of `chunks` each of their other owners holds: one HAS per owner for the page. */
  private async ask(chunks: Array<{ id: string; owners: string[] }>, unreachable: Record<string, string>): Promise<Map<string, Set<string>>> {
    const { selfId, rpc } = this.c;
    const byOwner = new Map<string, string[]>();
    for (const { id, owners } of chunks) {
      for (const o of owners) {
        if (o === selfId) continue;
        // Appended in place: a copy per chunk made a page of 1,000 cost half a million element copies per owner.
        const ids = byOwner.get(o);
        if (ids) ids.push(id);
        else byOwner.set(o, [id]);
      }
    }
    const present = new Map<string, Set<string>>();
    await Promise.all(
      [...byOwner].map(async ([owner, ids]) => {
        if (this.c.isBlocked?.(owner)) {
          unreachable[owner] = "blocked";
          return;
        }
        try {
          const answer = await rpc.call(owner, "chunk.has", { ids });
          present.set(owner, new Set(ids.filter((_, i) => answer[i])));
        } catch (err) {
          unreachable[owner] = errorMessage(err);
        }
      }),
    );
    return present;
  }
}
