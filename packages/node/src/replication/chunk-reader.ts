// Reads a chunk from wherever a good copy is: the local store first, then the ring owners, then any
// other ring member (a chunk may still sit on an old owner); alive members before suspect ones, dead ones
// never. Remote reads are hedged: when a holder has not answered within about the p99 of recent reads,
// the next one is asked too and the first good answer wins, so a hung owner costs a read a few hundred
// milliseconds, not a timeout. Every copy is verified against its id before it is returned; a bad or
// missing replica is reported so that it can be repaired.
import { ChunkNotFoundError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import { ReadBuffers } from "../store/read-buffers.ts";
import { TransferError } from "../transfer/transfer-error.ts";
import type { Placement } from "./placement.ts";
import { type Clock, systemClock, type Timer } from "../util/clock.ts";
import { HedgeDelay } from "../util/hedge-delay.ts";

export interface ChunkReaderComponents {
  selfId: string;
  placement: Placement;
  store: ChunkStorage;
  rpc: PeerRpc;
  log: Logger;
  /** An owner that lacks the chunk or holds a corrupt copy: queue a copy to it. */
  onBadReplica?: (chunkId: string, memberId: string, reason: string) => void;
  clock?: Clock;
}

export interface ChunkReaderInit {
  /** Bounds of the hedge delay, which otherwise follows the p99 of recent remote reads. */
  minHedgeMs: number;
  maxHedgeMs: number;
}

export const DEFAULT_HEDGE: ChunkReaderInit = { minHedgeMs: 50, maxHedgeMs: 1000 };

export class ChunkReader {
  /** Follows recent successful remote reads' latencies. */
  private readonly hedge: HedgeDelay;
  /** What streamed file reads read local chunks into (the HTTP server gives them back once sent). */
  readonly buffers = new ReadBuffers();

  constructor(
    private readonly c: ChunkReaderComponents,
    private readonly init: ChunkReaderInit = DEFAULT_HEDGE,
  ) {
    this.hedge = new HedgeDelay(init.minHedgeMs, init.maxHedgeMs);
  }

  /**
   * Remote holders in the order they are asked: owners first (with full members that keep their copies),
   * alive before suspect; never dead or left.
   */
  candidates(chunkId: string): string[] {
    const { placement, selfId } = this.c;
    const owners = placement.keepers(chunkId);
    const rest = placement.ring.memberIds.filter((id) => !owners.includes(id)).sort();
    const order = [...owners, ...rest].filter((id) => id !== selfId);
    const state = (id: string) => placement.member(id)?.state;
    return [...order.filter((id) => state(id) === "alive"), ...order.filter((id) => state(id) === "suspect")];
  }

  /** How long a remote read may go unanswered before the next holder is asked too. */
  hedgeDelayMs(): number {
    return this.hedge.delayMs();
  }

  /**
   * A verified copy of the chunk. With `buffers`, a local copy may be read into one of its buffers (see
   * ChunkStorage.get): give it back there once nothing uses the bytes.
   */
  async read(chunkId: string, buffers?: ReadBuffers): Promise<Uint8Array> {
    const { selfId, store, placement, log } = this.c;
    // A full member keeps (and restores) the copies it has, but is not sent new ones: missing there is normal.
    const owners = placement.owners(chunkId);
    const failures: string[] = [];
    let localBad = false;
    if (store.has(chunkId)) {
      try {
        return await store.get(chunkId, buffers);
      } catch (err) {
        localBad = placement.keepers(chunkId).includes(selfId);
        failures.push(`${selfId}: ${errorMessage(err)}`);
        log.error("local chunk unreadable, trying replicas", { chunk: chunkId, err });
      }
    } else if (owners.includes(selfId)) {
      localBad = true;
    }
    const data = await this.readRemote(chunkId, owners, failures);
    if (data) {
      if (localBad) this.repairLocal(chunkId, data);
      return data;
    }
    if (failures.length === 0) throw new ChunkNotFoundError(chunkId, "any live member");
    throw new ChunkUnavailableError(chunkId, failures);
  }

  /**
   * Hands the chunk's bytes to `sink` (pieces valid during the call): from the local copy when there is one,
   * read in place (ChunkStorage.feed: no fresh memory), else as read() gets them. A local copy found bad
   * throws after its pieces were fed (and is quarantined): the caller starts again with read().
   */
  async feed(chunkId: string, sink: (piece: Uint8Array) => void): Promise<void> {
    if (this.c.store.has(chunkId)) return this.c.store.feed(chunkId, sink);
    sink(await this.read(chunkId));
  }

  /**
   * Throws ChunkUnavailableError naming the first chunk no live member holds; a chunk counts as readable
   * when this node or any live member says it has a copy. Members are asked in the order reads would ask
   * them (one batched HAS each, for every chunk still unaccounted for), hedged like reads: one that has not
   * answered within the hedge delay does not hold up the next, so a hung holder costs ~the delay.
   */
  async ensureReadable(chunkIds: readonly string[]): Promise<void> {
    const { store, rpc, placement } = this.c;
    const clock = this.c.clock ?? systemClock;
    const missing = new Set([...new Set(chunkIds)].filter((id) => !store.has(id)));
    if (missing.size === 0) return;
    const members = new Set([...missing].flatMap((id) => this.candidates(id)));
    const order = [...members].sort((a, b) => rank(placement, [...missing], a) - rank(placement, [...missing], b));
    const problems: string[] = [];
    await new Promise<void>((resolve) => {
      let next = 0;
      let running = 0;
      let done = false;
      let timer: Timer | undefined;
      const finish = () => {
        done = true;
        timer?.cancel();
        resolve();
      };
      const ask = () => {
        if (done) return;
        timer?.cancel();
        if (missing.size === 0) return finish();
        const member = order[next++];
        if (member === undefined) {
          if (running === 0) finish();
          return;
        }
        const ids = [...missing];
        running++;
        rpc.call(member, "chunk.has", { ids }, { timeoutMs: this.init.maxHedgeMs * 2 }).then(
          (present) => {
            running--;
            ids.forEach((id, i) => present[i] && missing.delete(id));
            ask();
          },
          (err) => {
            running--;
            problems.push(`${member}: ${errorMessage(err)}`);
            ask();
          },
        );
        if (next < order.length) timer = clock.timer(this.hedgeDelayMs(), ask);
      };
      ask();
    });
    if (missing.size > 0) {
      const first = [...missing][0]!;
      throw new ChunkUnavailableError(first, problems.length ? problems : [`no live member holds a copy (${missing.size} chunk(s))`]);
    }
  }

  /** Asks remote holders, hedged; resolves with the first verified copy, or undefined when all failed. */
  private readRemote(chunkId: string, owners: string[], failures: string[]): Promise<Uint8Array | undefined> {
    const { rpc, log } = this.c;
    const clock = this.c.clock ?? systemClock;
    const queue = this.candidates(chunkId);
    return new Promise((resolve) => {
      let done = false;
      let running = 0;
      let timer: Timer | undefined;
      const finish = (data: Uint8Array | undefined) => {
        if (done) return;
        done = true;
        timer?.cancel();
        resolve(data);
      };
      const next = () => {
        if (done) return;
        timer?.cancel();
        const id = queue.shift();
        if (id === undefined) {
          if (running === 0) finish(undefined);
          return;
        }
        running++;
        const started = clock.elapsed();
        rpc.call(id, "chunk.get", { chunkId }).then(
          (data) => {
            running--;
            this.hedge.record(clock.elapsed() - started);
            finish(data);
          },
          (err) => {
            running--;
            if (done) return;
            failures.push(`${id}: ${errorMessage(err)}`);
            const code = err instanceof TransferError ? err.code : undefined;
            if (owners.includes(id) && (code === "not_found" || code === "corrupt")) this.c.onBadReplica?.(chunkId, id, errorMessage(err));
            log.warn("replica read failed, failing over", { chunk: chunkId, peer: id, err });
            next();
          },
        );
        // Not answered in time: ask the next holder as well (the first good answer wins).
        if (queue.length > 0) timer = clock.timer(this.hedgeDelayMs(), next);
      };
      next();
    });
  }

  private repairLocal(chunkId: string, data: Uint8Array): void {
    this.c.store.put(chunkId, data).then(
      () => this.c.log.info("read repair: restored local copy", { chunk: chunkId }),
      (err) => this.c.log.error("read repair failed", { chunk: chunkId, err }),
    );
  }
}

/** Owners of any missing chunk first, alive before suspect: the cheapest member to settle the most chunks. */
function rank(placement: Placement, chunkIds: readonly string[], member: string): number {
  const owner = chunkIds.some((id) => placement.keepers(id).includes(member)) ? 0 : 2;
  return owner + (placement.member(member)?.state === "alive" ? 0 : 1);
}

export class ChunkUnavailableError extends Error {
  constructor(
    readonly chunkId: string,
    readonly failures: string[],
  ) {
    super(`no readable copy of chunk ${chunkId} (${failures.join("; ")})`);
    this.name = "ChunkUnavailableError";
  }
}
