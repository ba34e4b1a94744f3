// The write coordinator: puts one chunk on its ring owners and resolves once the durability level
// holds. Copies not made by then become durable queue rows before the caller is answered. Its own copy goes
// straight to the local store, unhashed (putSelfHashed): the chunker hashed these very bytes in this process.
import { errorMessage, OrreryError, StoreFullError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { callMany } from "../rpc/call-many.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import { TransferError } from "../transfer/transfer-error.ts";
import type { Durability, Placement } from "./placement.ts";
import type { ReplicationQueue } from "./queue.ts";
import { type Clock, systemClock } from "../util/clock.ts";

export interface ChunkWriteResult {
  chunkId: string;
  owners: string[];
  /** Members that acknowledged a durable copy before the result was returned. */
  copies: string[];
  /** Owners whose copy sits in the replication queue. */
  queued: string[];
}

export interface WriteCoordinatorComponents {
  selfId: string;
  placement: Placement;
  /** Reaches the other owners. */
  rpc: PeerRpc;
  /** This node's store, which takes this node's own copies without hashing them again (putSelfHashed). */
  ownStore: Pick<ChunkStorage, "putSelfHashed">;
  queue: ReplicationQueue;
  log: Logger;
  clock?: Clock;
}

export interface WriteCoordinatorInit {
  /** Once enough copies are acknowledged, how long to wait for the rest before queueing them. */
  stragglerGraceMs: number;
  /** First retry of a queued copy. */
  retryBaseMs: number;
}

export class DurabilityError extends OrreryError {
  constructor(message: string, details: Record<string, unknown>) {
    super(503, "durability_unreachable", message, details);
  }
}

/** Not enough copies because the owners' stores are full: 507, so the client knows to free space. */
export class InsufficientStorageError extends OrreryError {
  constructor(message: string, details: Record<string, unknown>) {
    super(507, "store_full", message, details);
  }
}

export function isStoreFull(err: unknown): boolean {
  return err instanceof StoreFullError || (err instanceof TransferError && err.code === "store_full");
}

function notEnoughCopies(message: string, details: Record<string, unknown>, full: number): OrreryError {
  return full > 0
    ? new InsufficientStorageError(`${message}; ${full} owner(s) refused the chunk because their store is full`, details)
    : new DurabilityError(message, details);
}

export class WriteCoordinator {
  constructor(
    private readonly init: WriteCoordinatorInit,
    private readonly c: WriteCoordinatorComponents,
  ) {}

  private now(): number {
    return (this.c.clock ?? systemClock).now();
  }

  /** A peer gets the bytes over the wire and verifies them; this node's copy is installed as hashed by its chunker. */
  private writeTo(memberId: string, chunkId: string, data: Uint8Array): Promise<unknown> {
    if (memberId === this.c.selfId) return this.c.ownStore.putSelfHashed(chunkId, data);
    return this.c.rpc.call(memberId, "chunk.put", { chunkId, data });
  }

  /**
   * Places one chunk at `durability`, on `factor` owners (the factor of the folder it is written to; the
   * chunk's own by default). `chunkId` must be the SHA-256 that this process computed over these very bytes (the
   * chunker's): this node's own copy is not hashed again (ChunkStorage.putSelfHashed); the peers verify theirs. `onDataFree` is called once no call of this write uses `data` any more (every
   * replica's call settled, stragglers included), success or not, so that its buffer can be reused.
   */
  async writeChunk(chunkId: string, data: Uint8Array, durability: Durability, onDataFree?: () => void, factor?: number): Promise<ChunkWriteResult> {
    let settled: Promise<void> | undefined;
    try {
      return await this.place(chunkId, data, durability, factor, (s) => (settled = s));
    } finally {
      if (onDataFree) void (settled ?? Promise.resolve()).then(onDataFree);
    }
  }

  private async place(
    chunkId: string,
    data: Uint8Array,
    durability: Durability,
    factor: number | undefined,
    stragglers: (settled: Promise<void>) => void,
  ): Promise<ChunkWriteResult> {
    const { placement } = this.c;
    const owners = placement.owners(chunkId, factor);
    const required = placement.required(durability, factor);
    if (owners.length < required) {
      const full = placement.ring.fullCount;
      const details = { required, available: owners.length, full };
      if (full > 0 && owners.length + full >= required) {
        throw new InsufficientStorageError(
          `durability '${durability}' needs ${required} copies but only ${owners.length} node(s) have room (the store is full on ${full})`,
          details,
        );
      }
      throw new DurabilityError(`durability '${durability}' needs ${required} copies but only ${owners.length} node(s) are up`, details);
    }
    return durability === "fast"
      ? this.writeFast(chunkId, data, owners)
      : this.writeParallel(chunkId, data, owners, required, durability, stragglers);
  }

  /** One durable copy (local first when this node is an owner), the rest queued. */
  private async writeFast(chunkId: string, data: Uint8Array, owners: string[]): Promise<ChunkWriteResult> {
    const order = owners.includes(this.c.selfId)
      ? [this.c.selfId, ...owners.filter((o) => o !== this.c.selfId)]
      : owners;
    const errors: string[] = [];
    let full = 0;
    for (const target of order) {
      try {
        await this.writeTo(target, chunkId, data);
        const queued = owners.filter((o) => o !== target);
        this.c.queue.enqueue(
          queued.map((t) => ({ chunkId, target: t })),
          this.now(),
        );
        return { chunkId, owners, copies: [target], queued };
      } catch (err) {
        errors.push(`${target}: ${errorMessage(err)}`);
        if (isStoreFull(err)) full++;
        this.c.log.warn("fast write to owner failed, trying next", { chunk: chunkId, peer: target, err });
      }
    }
    throw notEnoughCopies(`no owner could store chunk ${chunkId}`, { chunk: chunkId, errors }, full);
  }

  /** Every owner at once; answered at `required` copies plus a short grace for the rest (rpc/call-many.ts). */
  private async writeParallel(
    chunkId: string,
    data: Uint8Array,
    owners: string[],
    required: number,
    durability: Durability,
    stragglers: (settled: Promise<void>) => void,
  ): Promise<ChunkWriteResult> {
    const { queue, log } = this.c;
    // A straggler whose copy lands after we answered no longer needs its queue row; one that lands between
    // the answer and the enqueue below is remembered and removed right after.
    let enqueued = false;
    const landedLate: string[] = [];
    const result = await callMany(owners, (target) => this.writeTo(target, chunkId, data), {
      quorum: required,
      graceMs: this.init.stragglerGraceMs,
      clock: this.c.clock ?? systemClock,
      onLate: (target, outcome) => {
        if (!outcome.ok) return log.warn("replica write failed after the answer; its queue row retries it", { chunk: chunkId, peer: target, err: outcome.error });
        if (enqueued) queue.remove(chunkId, target);
        else landedLate.push(target);
      },
    });
    stragglers(result.settled);
    const copies = [...result.ok.keys()];
    const errors = [...result.failed].map(([target, err]) => `${target}: ${errorMessage(err)}`);
    for (const [target, err] of result.failed) log.warn("replica write failed", { chunk: chunkId, peer: target, err });
    const full = [...result.failed.values()].filter(isStoreFull).length;
    if (copies.length < required) {
      throw notEnoughCopies(
        `durability '${durability}' needs ${required} copies of chunk ${chunkId}, only ${copies.length} succeeded`,
        { chunk: chunkId, required, copies, errors },
        full,
      );
    }
    // Still-pending and failed copies become queue rows before the caller may acknowledge.
    const queued = [...result.failed.keys(), ...result.pending];
    queue.enqueue(
      queued.map((target) => ({ chunkId, target })),
      this.now() + (result.pending.size > 0 ? this.init.retryBaseMs : 0),
    );
    enqueued = true;
    for (const target of landedLate) queue.remove(chunkId, target);
    return { chunkId, owners, copies, queued };
  }
}
