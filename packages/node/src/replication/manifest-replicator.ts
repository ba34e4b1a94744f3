// Keeps every node's manifests converged: fresh writes are pushed to all ring members at once
// (the writer counts the acks toward its durability level), and a periodic pull of deltas
// from a random peer (plus one from each member that joins or returns) fills whatever a push missed.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ManifestStore, Marks } from "../metadata/manifest-store.ts";
import { MAX_PUSH_ENTRIES, runSyncRound, type SyncRequest, syncResponseSchema } from "../metadata/sync.ts";
import { httpBase, isRingMember, type Member } from "../membership/types.ts";
import type { Placement } from "./placement.ts";

export interface ManifestReplicatorInit {
  selfId: string;
  syncIntervalMs: number;
  pushTimeoutMs: number;
  /** Once enough peers acknowledged, how long to wait for the others before answering. */
  publishGraceMs: number;
}

export interface ManifestReplicatorComponents {
  manifests: ManifestStore;
  placement: Placement;
  log: Logger;
  random?: () => number;
  /** Fault injection: peers this node must not reach. */
  isBlocked?: (memberId: string) => boolean;
}


export class ManifestReplicator {
  private timer: ReturnType<typeof setInterval> | undefined;
  private syncing = new Map<string, Promise<number>>();
  /** Each peer's marks as of its latest sync answer: what it has seen (for garbage collection). */
  private readonly peerMarksSeen = new Map<string, { marks: Marks; at: number }>();
  /** Live peers this node has completed a round with since it started or since they returned. */
  private caughtUp = new Set<string>();

  constructor(
    private readonly init: ManifestReplicatorInit,
    private readonly c: ManifestReplicatorComponents,
  ) {}

  /** Peers to pull from: alive ones (a suspect one may be gone; the next round picks another). */
  private peers(): Member[] {
    return this.pushTargets().filter((m) => m.state === "alive");
  }

  /**
   * Peers to push fresh writes to: every ring member, suspects included. A suspect still owns chunks and
   * is usually alive (a slow process, a lost datagram); skipping it left it without files it holds the
   * chunks of until the next anti-entropy round, so a read there right after the write found nothing.
   */
  private pushTargets(): Member[] {
    return this.c.placement
      .members()
      .filter((m) => m.id !== this.init.selfId && isRingMember(m) && !this.c.isBlocked?.(m.id));
  }

  /**
   * Pushes committed rows to every ring member (alive or suspect). Resolves with the peers that committed them once
   * `needed` peers have (or every push has settled), after giving the rest a short grace so that a
   * read right after the write finds the file on every healthy node. Slow pushes go on in the
   * background; anti-entropy covers any that fail.
   */
  publish(entries: Manifest[], needed: number): Promise<string[]> {
    const peers = this.pushTargets();
    const batches: string[] = [];
    for (let i = 0; i < entries.length; i += MAX_PUSH_ENTRIES) {
      batches.push(JSON.stringify({ entries: entries.slice(i, i + MAX_PUSH_ENTRIES) }));
    }
    const acks: string[] = [];
    return new Promise((resolve) => {
      let pending = peers.length;
      let done = false;
      let grace: ReturnType<typeof setTimeout> | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        if (grace) clearTimeout(grace);
        resolve([...acks]);
      };
      const check = () => {
        if (pending === 0) finish();
        else if (acks.length >= needed && !grace) grace = setTimeout(finish, this.init.publishGraceMs);
      };
      check();
      for (const m of peers) {
        this.pushTo(m, batches).then((ok) => {
          pending--;
          if (ok) acks.push(m.id);
          check();
        });
      }
    });
  }

  private async pushTo(m: Member, batches: string[]): Promise<boolean> {
    try {
      for (const body of batches) {
        const res = await fetch(`${httpBase(m)}/internal/manifests`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(this.init.pushTimeoutMs),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      }
      return true;
    } catch (err) {
      this.c.log.warn("manifest push failed; anti-entropy will deliver it", { peer: m.id, err });
      return false;
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
      const res = await fetch(`${httpBase(m)}/internal/sync`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(30_000),
      });
      if (!res.ok) throw new Error(`sync with ${memberId}: HTTP ${res.status}`);
      const page = syncResponseSchema.parse(await res.json());
      this.peerMarksSeen.set(memberId, { marks: page.marks, at: Date.now() });
      return page;
    };
    const round = await runSyncRound(this.c.manifests, fetchPage);
    if (round.applied > 0) this.c.log.info("anti-entropy applied rows", { peer: memberId, ...round });
    return round.applied;
  }

  /** The marks a peer reported in its latest sync answer, and when. */
  peerMarks(memberId: string): { marks: Marks; at: number } | undefined {
    return this.peerMarksSeen.get(memberId);
  }

  /**
   * One anti-entropy round: every live peer not yet synced since this node started (or since it
   * last returned) is synced at once, so a restarted node catches up in one round; otherwise one
   * random peer.
   */
  tick(): void {
    const peers = this.peers();
    const live = new Set(peers.map((p) => p.id));
    for (const id of this.caughtUp) if (!live.has(id)) this.caughtUp.delete(id);
    const fresh = peers.filter((p) => !this.caughtUp.has(p.id));
    const targets = fresh.length > 0 ? fresh : peers.length > 0 ? [peers[Math.floor((this.c.random ?? Math.random)() * peers.length)]!] : [];
    for (const t of targets) {
      // A round already in flight with this peer reports its own outcome; don't pile handlers on it.
      if (this.syncing.has(t.id)) continue;
      this.syncWith(t.id).then(
        () => this.caughtUp.add(t.id),
        (err) => this.c.log.warn("anti-entropy pull failed", { peer: t.id, err: errorMessage(err) }),
      );
    }
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.init.syncIntervalMs);
    this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled(this.syncing.values());
  }
}
