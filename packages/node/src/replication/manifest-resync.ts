// The tombstone horizon's other half (the first is DEAD_MEMBER_TIMEOUT in membership): a node the cluster
// forgot (dead longer than the horizon, or removed by `orrery members forget`), or one that left and came
// back, may hold live rows whose tombstones the others have since collected. Delta sync would never bring
// those tombstones back (they are gone), and a quorum read that asked this node would take its stale row
// for the newest one: the delete would come back. So such a node wipes its manifests and pulls them afresh
// from its peers before it serves any read, write or manifest call. Until its first full state from a peer
// says whether it was forgotten, a node that has peers to hear from serves nothing either ("waiting").
// Chunks stay: they are named by content, and garbage collection removes what no manifest references.
import type { Logger } from "../log.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { markOf } from "../metadata/manifest-store.ts";
import type { SelfReport } from "../membership/types.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import type { ManifestReplicator } from "./manifest-replicator.ts";
import type { Placement } from "./placement.ts";

export type ResyncState = "waiting" | "resyncing" | "ready";

/** A resync in progress survives a crash: a restarted node resumes it (and keeps its own seq floor). */
export interface ResyncPersistence {
  load(): { seqFloor: number } | undefined;
  save(pending: { seqFloor: number } | undefined): void;
}

export interface ManifestResyncInit {
  /** The node has seeds or remembered peers: it waits for their word about itself before serving. */
  waitForPeers: boolean;
  /** This node's own remembered state is "left": it left the cluster before, and its rows may be stale. */
  leftBefore: boolean;
  /** Between attempts while no peer answered a whole sync round. */
  retryMs: number;
}

export interface ManifestResyncComponents {
  selfId: string;
  manifests: ManifestStore;
  replicator: ManifestReplicator;
  placement: Placement;
  persistence: ResyncPersistence;
  log: Logger;
  clock?: Clock;
  isBlocked?: (memberId: string) => boolean;
}

/** The state a node starts in (pure). */
export function initialResyncState(init: Pick<ManifestResyncInit, "waitForPeers" | "leftBefore">, pending: boolean): ResyncState {
  if (pending || init.leftBefore) return "resyncing";
  return init.waitForPeers ? "waiting" : "ready";
}

export class ManifestResync {
  private stateValue: ResyncState;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly clock: Clock;
  /** Completed resyncs since start (for /api/health and tests). */
  resyncs = 0;

  constructor(
    private readonly init: ManifestResyncInit,
    private readonly c: ManifestResyncComponents,
  ) {
    this.clock = c.clock ?? systemClock;
    this.stateValue = initialResyncState(init, c.persistence.load() !== undefined);
  }

  get state(): ResyncState {
    return this.stateValue;
  }

  /** Why this node must not serve manifests yet, or undefined once it may. */
  notServing(): string | undefined {
    switch (this.stateValue) {
      case "ready":
        return undefined;
      case "waiting":
        return "this node has not heard from its cluster yet (it may have been forgotten while away); try again in a moment";
      case "resyncing":
        return "this node was away longer than the tombstone horizon (or forgotten, or it had left) and is resyncing its manifests from its peers";
    }
  }

  start(): void {
    this.stopped = false;
    if (this.stateValue === "resyncing") this.begin();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** What a peer's word said about this node (membership's SelfReport). */
  report(r: SelfReport): void {
    if (r === "forgotten") this.begin();
    else if (this.stateValue === "waiting") {
      this.stateValue = "ready";
      this.c.log.info("heard from the cluster: this node was not forgotten; serving");
    }
  }

  private begin(): void {
    this.stateValue = "resyncing";
    if (this.running || this.stopped) return;
    this.running = this.run()
      .catch((err) => this.c.log.error("manifest resync failed; retrying at the next report", { err }))
      .finally(() => (this.running = undefined));
  }

  private async run(): Promise<void> {
    const { selfId, manifests, replicator, persistence, log } = this.c;
    let pending = persistence.load();
    if (!pending) {
      pending = { seqFloor: markOf(manifests.marks(), selfId) };
      persistence.save(pending);
    }
    // A sync round that began before the wipe would absorb the peer's marks over rows we no longer have.
    await replicator.quiesce();
    const before = manifests.stats();
    manifests.wipe();
    replicator.reset();
    log.warn("resyncing manifests from peers before serving (tombstone horizon)", { droppedRows: before.files + before.dirs + before.tombstones });
    while (!this.stopped) {
      const peers = this.c.placement.members().filter((m) => m.id !== selfId && m.state === "alive" && !this.c.isBlocked?.(m.id));
      if (peers.length > 0) {
        await Promise.allSettled(peers.map((p) => replicator.syncWith(p.id)));
        if (replicator.roundCompleted()) break;
      }
      await this.clock.sleep(this.init.retryMs);
    }
    if (this.stopped) return;
    manifests.raiseOwnSeq(pending.seqFloor);
    persistence.save(undefined);
    this.resyncs++;
    this.stateValue = "ready";
    log.info("manifest resync complete; serving", { rows: manifests.stats() });
  }
}
