// Keeps every node's manifests converged: fresh writes are pushed to their manifest owners at once
// (the writer counts the acks toward its durability level), and a periodic pull of deltas from a
// random peer (plus one from each member that joins or returns) brings the rest to every other node.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { parentOf } from "../metadata/path.ts";
import type { ManifestStore, Marks } from "../metadata/manifest-store.ts";
import { MAX_PUSH_ENTRIES, runSyncRound, type SyncRequest } from "../metadata/sync.ts";
import { isRingMember, type Member } from "../membership/types.ts";
import { callMany } from "../rpc/call-many.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { BackgroundWorker, type PassOutcome } from "../util/background-worker.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import type { Schedule } from "../util/coalesce.ts";
import { rowPushes } from "./manifest-batches.ts";
import type { Placement } from "./placement.ts";

/** Sync rounds this node runs at once (see tick()). */
export const MAX_ROUNDS_IN_FLIGHT = 4;

export interface ManifestReplicatorInit {
  selfId: string;
  syncIntervalMs: number;
  /** Periodic rounds that bring nothing stretch the wait up to this (member changes: unquiet()). */
  quietMaxMs?: number;
  /** Once enough peers acknowledged, how long to wait for the others before answering. */
  publishGraceMs: number;
}

export interface ManifestReplicatorComponents {
  manifests: ManifestStore;
  placement: Placement;
  rpc: PeerRpc;
  log: Logger;
  random?: () => number;
  clock?: Clock;
  /** Fault injection: peers this node must not reach. */
  isBlocked?: (memberId: string) => boolean;
  /** When the pushes of one turn go out together (default: setImmediate). */
  schedule?: Schedule;
}


export class ManifestReplicator {
  /** Starts a round every SYNC_INTERVAL_MS (the rounds themselves run on; see tick()). */
  readonly worker: BackgroundWorker;
  private readonly clock: Clock;
  private syncing = new Map<string, Promise<number>>();
  /** Each peer's marks as of its latest sync answer: what it has seen (for garbage collection). */
  private readonly peerMarksSeen = new Map<string, { marks: Marks; at: number }>();
  /** Live peers this node has completed a round with since it started or since they returned. */
  private caughtUp = new Set<string>();
  /** Live peers not caught up and not in a round, as of the member list `membersVersion` (see startRounds). */
  private pending: Member[] = [];
  private membersVersion = -1;
  /** A sync round with some peer completed since start: this node's rows are no older than that peer's were. */
  private firstRoundDone = false;
  /** Rows the latest periodic round brought (undefined before one completed). */
  private lastPeriodicApplied: number | undefined;
  /** The settling of publishes that answered before all their pushes did (pushesSettled). */
  private readonly straggling = new Set<Promise<void>>();
  /** The commits of one turn pushed to one owner as one manifests.push (each commit's rows together, in order). */
  readonly pushes;

  constructor(
    private readonly init: ManifestReplicatorInit,
    private readonly c: ManifestReplicatorComponents,
  ) {
    this.clock = c.clock ?? systemClock;
    this.pushes = rowPushes(c.rpc, c.schedule);
    this.worker = new BackgroundWorker(
      { name: "manifest-sync", intervalMs: init.syncIntervalMs, quietMaxMs: init.quietMaxMs, firstDelayMs: 0, clock: this.clock, log: c.log },
      async () => this.tick(),
    );
  }

  /** Peers to pull from: alive ones (a suspect one may be gone; the next round picks another). */
  private peers(): Member[] {
    const out: Member[] = [];
    for (const m of this.c.placement.memberValues()) if (m.state === "alive" && this.isTarget(m)) out.push(m);
    return out;
  }

  private isTarget(m: Member): boolean {
    return m.id !== this.init.selfId && isRingMember(m) && !this.c.isBlocked?.(m.id);
  }

  /**
   * Where each row goes: its path's manifest owners under the current ring and under every ring replaced within
   * the settle window (the sets a write's quorum is counted in), suspects included — a suspect is usually alive
   * (a slow process, a lost datagram) and still answers for the path. Not every ring member: at 100 nodes that
   * was 99 pushes per write; the other members get the rows from their anti-entropy rounds (delta sync), and a
   * read anywhere asks the owners first (FileSystem.refresh). Per target, the indices of the rows it owns.
   */
  private pushPlan(entries: Manifest[]): Map<string, number[]> {
    const plan = new Map<string, number[]>();
    const ownersByDir = new Map<string, string[]>();
    entries.forEach((entry, i) => {
      const dir = entry.path === "" ? "" : parentOf(entry.path);
      let owners = ownersByDir.get(dir);
      if (!owners) {
        const ids = new Set<string>();
        for (const set of this.c.placement.manifestOwnerSets(entry.path)) for (const id of set.owners) ids.add(id);
        owners = [...ids].filter((id) => {
          const m = this.c.placement.member(id);
          return m !== undefined && this.isTarget(m);
        });
        ownersByDir.set(dir, owners);
      }
      for (const id of owners) {
        const rows = plan.get(id);
        if (rows) rows.push(i);
        else plan.set(id, [i]);
      }
    });
    return plan;
  }

  /**
   * Pushes committed rows to their manifest owners (pushPlan). Resolves once `enough` says the answers so far
   * suffice (or every push has settled), after giving the rest a short grace (`graceMs`, publishGraceMs unless
   * given) so that a read right after the write finds the row on every owner. The answer is, per owner that
   * committed its rows, the version each row's path holds there now, index-aligned with `entries` (a hole where
   * that owner was not sent the row): a newer one means our row lost there. Slow pushes go on in the background;
   * anti-entropy covers any that fail.
   */
  async publish(entries: Manifest[], enough: (acks: ReadonlyMap<string, string[]>) => boolean, graceMs = this.init.publishGraceMs): Promise<Map<string, string[]>> {
    const plan = this.pushPlan(entries);
    const result = await callMany([...plan.keys()], (id) => this.pushTo(id, entries, plan.get(id)!), {
      quorum: enough,
      graceMs,
      clock: this.clock,
    });
    if (result.pending.size > 0) {
      this.straggling.add(result.settled);
      void result.settled.then(() => this.straggling.delete(result.settled));
    }
    return result.ok;
  }

  /** Resolves once every push that was still running when its publish answered has settled (tests wait on it). */
  async pushesSettled(): Promise<void> {
    while (this.straggling.size > 0) await Promise.all(this.straggling);
  }

  private async pushTo(memberId: string, entries: Manifest[], rows: number[]): Promise<string[]> {
    try {
      const versions: string[] = new Array(entries.length);
      // A commit of up to MAX_PUSH_ENTRIES rows shares its call with the others of this turn; a bigger one
      // (a recursive delete, a folder's move) goes in calls of its own, one after another.
      for (let i = 0; i < rows.length; i += MAX_PUSH_ENTRIES) {
        const batch = rows.slice(i, i + MAX_PUSH_ENTRIES);
        const send = batch.map((r) => entries[r]!);
        const held = rows.length <= MAX_PUSH_ENTRIES
          ? await this.pushes.call(memberId, send)
          : (await this.c.rpc.call(memberId, "manifests.push", { entries: send })).versions;
        batch.forEach((r, j) => {
          const v = held[j];
          if (v !== undefined) versions[r] = v;
        });
      }
      return versions;
    } catch (err) {
      this.c.log.warn("manifest push failed; anti-entropy will deliver it", { peer: memberId, err });
      throw err;
    }
  }

  /** Pulls every row the peer has that this node lacks; returns how many rows won locally. */
  syncWith(memberId: string): Promise<number> {
    const running = this.syncing.get(memberId);
    if (running) return running;
    const p = this.pull(memberId).finally(() => this.syncing.delete(memberId));
    this.syncing.set(memberId, p);
    return p;
  }

  private async pull(memberId: string): Promise<number> {
    const m = this.c.placement.member(memberId);
    if (!m || this.c.isBlocked?.(memberId)) return 0;
    const fetchPage = async (request: SyncRequest) => {
      const page = await this.c.rpc.call(memberId, "manifests.sync", request);
      this.peerMarksSeen.set(memberId, { marks: page.marks, at: this.clock.now() });
      return page;
    };
    const round = await runSyncRound(this.c.manifests, fetchPage);
    if (round.applied > 0) this.c.log.info("anti-entropy applied rows", { peer: memberId, ...round });
    if (round.complete) this.firstRoundDone = true;
    return round.applied;
  }

  /** Whether a whole sync round with some peer completed since start (or since reset). */
  roundCompleted(): boolean {
    return this.firstRoundDone;
  }

  /** Waits for the sync rounds in flight. */
  async quiesce(): Promise<void> {
    await Promise.allSettled(this.syncing.values());
  }

  /** Forgets every round so far (after the manifests were wiped): the next rounds start from nothing. */
  reset(): void {
    this.firstRoundDone = false;
    this.caughtUp.clear();
    this.membersVersion = -1;
    this.peerMarksSeen.clear();
  }

  /** Whether this node finished a sync round since it started, or has no live peer to sync with. */
  synced(): boolean {
    return this.firstRoundDone || this.peers().length === 0;
  }

  /** The marks a peer reported in its latest sync answer, and when. */
  peerMarks(memberId: string): { marks: Marks; at: number } | undefined {
    return this.peerMarksSeen.get(memberId);
  }

  /**
   * One anti-entropy round: live peers not yet synced since this node started (or since they last
   * returned) first, at most MAX_ROUNDS_IN_FLIGHT at a time and in random order, so a restarted node
   * catches up within its first rounds; otherwise one random peer. The bound is what keeps a cluster
   * started all at once from storming: every member change calls tick(), and with every peer new to every
   * node, syncing with all of them at once meant N² connections and rounds within seconds (100 nodes
   * started together never converged); the random order keeps the first peers in the member list from
   * being everybody's first target.
   */
  tick(): PassOutcome {
    this.startRounds(true);
    // Quiet while every peer is caught up and the latest periodic round brought nothing.
    return this.pending.length === 0 && this.lastPeriodicApplied === 0 ? "quiet" : undefined;
  }

  /**
   * Starts rounds with fresh peers while there is room; with none fresh and `periodic`, one round with a
   * random peer. The fresh peers are listed once per member list (Placement.version) and drawn from at
   * random as rounds complete: a node catching up with 1,000 peers starts a round after each one it
   * completes, and a pass over all members each time (O(N²) per node) was the simulator's whole cost at
   * 300 nodes.
   */
  private startRounds(periodic: boolean): void {
    if (this.membersVersion !== this.c.placement.version) this.listFresh();
    const random = this.c.random ?? Math.random;
    const pending = this.pending;
    while (this.syncing.size < MAX_ROUNDS_IN_FLIGHT && pending.length > 0) {
      const at = Math.min(pending.length - 1, Math.floor(random() * pending.length));
      const t = pending[at]!;
      pending[at] = pending[pending.length - 1]!;
      pending.pop();
      if (!this.caughtUp.has(t.id) && !this.syncing.has(t.id)) this.startRound(t, true);
    }
    if (!periodic || pending.length > 0 || this.syncing.size >= MAX_ROUNDS_IN_FLIGHT) return;
    // The periodic round waits while a round with a fresh live peer still runs (one with a peer that died
    // may never end).
    for (const id of this.syncing.keys()) {
      const m = this.c.placement.member(id);
      if (m && m.state === "alive" && this.isTarget(m) && !this.caughtUp.has(id)) return;
    }
    const peers = this.peers();
    const t = peers.length > 0 ? peers[Math.min(peers.length - 1, Math.floor(random() * peers.length))] : undefined;
    if (t && !this.syncing.has(t.id)) this.startRound(t, false);
  }

  /** Forgets peers that are gone (a peer that returns is fresh again) and lists the live peers not caught up. */
  private listFresh(): void {
    this.membersVersion = this.c.placement.version;
    const peers = this.peers();
    const live = new Set<string>();
    for (const p of peers) live.add(p.id);
    for (const id of this.caughtUp) if (!live.has(id)) this.caughtUp.delete(id);
    this.pending = peers.filter((p) => !this.caughtUp.has(p.id) && !this.syncing.has(p.id));
  }

  private startRound(t: Member, fresh: boolean): void {
    this.syncWith(t.id).then(
      (applied) => {
        if (!fresh) this.lastPeriodicApplied = applied;
        this.caughtUp.add(t.id);
        // The next peer not caught up yet takes the freed place at once, not at the next period.
        this.startRounds(false);
      },
      (err) => {
        // Still fresh: the next round tries it again.
        if (fresh) this.pending.push(t);
        this.c.log.warn("anti-entropy pull failed", { peer: t.id, err: errorMessage(err) });
      },
    );
  }

  start(): void {
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
    await Promise.allSettled(this.syncing.values());
  }
}
