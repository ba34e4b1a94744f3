// Hand-off clean-up: walks the local chunks this node no longer owns (after a join, or a return of a
// node that was away, or of a full node that has room again) and deletes each copy once every current
// owner holds one and REBALANCE_GRACE_S has passed, so the cluster ends at exactly N copies.
// Rate-bounded: one page per pass.
import type { Logger } from "../log.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { errorMessage } from "../errors.ts";
import type { Placement } from "./placement.ts";
import type { ReplicationQueue } from "./queue.ts";
import { decideSurplus } from "./surplus-decision.ts";
import { BackgroundWorker, type PassOutcome } from "../util/background-worker.ts";
import { type Clock, systemClock } from "../util/clock.ts";

export interface SurplusSweeperInit {
  graceMs: number;
  intervalMs: number;
  pageSize: number;
  /** After a whole pass over the store found no surplus copy, the wait grows up to this (ring changes: unquiet()). */
  quietMaxMs?: number;
}

export interface SurplusSweeperComponents {
  selfId: string;
  placement: Placement;
  store: ChunkStorage;
  rpc: PeerRpc;
  queue: ReplicationQueue;
  log: Logger;
  clock?: Clock;
  /** While true (e.g. the node is leaving), nothing is deleted. */
  paused?: () => boolean;
  /**
   * Whether this node cannot tell a chunk's factor yet (folders have their own factors and no file here
   * references it): such a copy is never taken for surplus. A write's manifest reaches only its owners at
   * once and the other holders of its chunks by anti-entropy, so until then a folder's extra copies would
   * read as surplus; an unreferenced chunk is garbage collection's, which waits for every member's rows.
   */
  factorUnknown?: (chunkId: string) => boolean;
}

export class SurplusSweeper {
  readonly worker: BackgroundWorker;
  private readonly clock: Clock;
  private cursor: string | undefined;
  /** Whether this way round the store found a surplus copy (a quiet cycle lets the worker wait longer). */
  private cycleFoundSurplus = false;
  private readonly since = new Map<string, number>();
  /** Copies deleted since start (for /api/health). */
  deleted = 0;

  constructor(
    private readonly init: SurplusSweeperInit,
    private readonly c: SurplusSweeperComponents,
  ) {
    this.clock = c.clock ?? systemClock;
    this.worker = new BackgroundWorker({ name: "surplus-sweeper", intervalMs: init.intervalMs, quietMaxMs: init.quietMaxMs, clock: this.clock, log: c.log }, () => this.pass());
  }

  get pending(): number {
    return this.since.size;
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** One page of local chunks; wraps around at the end, "quiet" when the whole way round found no surplus. */
  async pass(): Promise<PassOutcome> {
    const { placement, store, selfId } = this.c;
    if (this.c.paused?.()) return;
    const ids = store.ids(this.cursor, this.init.pageSize);
    this.cursor = ids.length === this.init.pageSize ? ids[ids.length - 1] : undefined;
    const endOfCycle = this.cursor === undefined;
    const now = this.clock.now();
    const surplus = new Map<string, string[]>();
    for (const id of ids) {
      const owners = placement.owners(id);
      // A full node keeps the copies it was given (keepers): deleting them would only make it have room
      // again, and the cluster copy them back to it.
      if (owners.length === 0 || placement.keepers(id).includes(selfId) || this.c.factorUnknown?.(id)) this.since.delete(id);
      else surplus.set(id, owners);
    }
    if (surplus.size > 0) {
      this.cycleFoundSurplus = true;
      await this.settle(surplus, now);
    }
    if (!endOfCycle) return;
    const quiet = !this.cycleFoundSurplus && this.since.size === 0;
    this.cycleFoundSurplus = false;
    return quiet ? "quiet" : undefined;
  }

  /** Deletes the surplus copies every owner confirmed past the grace period; feeds owners that lack them. */
  private async settle(surplus: Map<string, string[]>, now: number): Promise<void> {
    const { store } = this.c;
    const { confirmed, unreachable } = await this.ask(surplus);
    for (const [id, owners] of surplus) {
      if (!this.since.has(id)) this.since.set(id, now);
      const action = decideSurplus({
        owners,
        confirmed: confirmed.get(id) ?? new Set(),
        unreachable,
        surplusSince: this.since.get(id)!,
        now,
        graceMs: this.init.graceMs,
      });
      if (action.kind === "delete") {
        if (this.c.paused?.()) return;
        await store.delete(id);
        this.since.delete(id);
        this.deleted++;
        this.c.log.debug("surplus copy deleted after hand-off", { chunk: id });
      } else if (action.kind === "feed") {
        this.c.queue.enqueue(action.targets.map((target) => ({ chunkId: id, target })), now);
      }
    }
  }

  /** One batched HAS per owner: which owners hold which chunks. */
  private async ask(surplus: Map<string, string[]>) {
    const byOwner = new Map<string, string[]>();
    for (const [id, owners] of surplus) for (const o of owners) byOwner.set(o, [...(byOwner.get(o) ?? []), id]);
    const confirmed = new Map<string, Set<string>>();
    const unreachable = new Set<string>();
    await Promise.all(
      [...byOwner].map(async ([owner, ids]) => {
        if (!this.c.placement.member(owner)) {
          unreachable.add(owner);
          return;
        }
        try {
          const present = await this.c.rpc.call(owner, "chunk.has", { ids });
          ids.forEach((id, i) => {
            if (!present[i]) return;
            const set = confirmed.get(id) ?? new Set<string>();
            set.add(owner);
            confirmed.set(id, set);
          });
        } catch (err) {
          unreachable.add(owner);
          this.c.log.warn("surplus sweep: owner unreachable", { peer: owner, err: errorMessage(err) });
        }
      }),
    );
    return { confirmed, unreachable };
  }
}
