// manifest-replicator.ts on simulated calls: pushes to every ring member, suspects too (the writer counts acks), and the
// real runSyncRound/answerSyncRequest with a random peer each interval and with new peers after a change.
import type { Manifest } from "../metadata/manifest.ts";
import { MAX_PUSH_ENTRIES, runSyncRound, type SyncRequest, type SyncResponse } from "../metadata/sync.ts";
import { isRingMember, type Member } from "../membership/types.ts";
import type { NodeProcess, Timer } from "./virtual-node.ts";

export class ManifestReplication {
  private readonly syncing = new Map<string, Promise<number>>();
  /** Live peers this process has completed a round with. */
  private readonly caughtUp = new Set<string>();
  rounds = 0;

  constructor(private readonly p: NodeProcess) {}

  /** Peers to pull from. */
  private peers(): Member[] {
    return this.pushTargets().filter((m) => m.state === "alive");
  }

  /** Peers to push to: alive and suspect, as the real replicator does. */
  private pushTargets(): Member[] {
    return this.p.placement.members().filter((m) => m.id !== this.p.id && isRingMember(m));
  }

  start(): void {
    const every = this.p.ctx.settings.syncIntervalMs;
    const loop = () => {
      this.tick();
      this.p.timer(every, loop);
    };
    // setInterval's first run is one interval away; start() also ticks at once.
    this.tick();
    this.p.timer(every, loop);
  }

  /**
   * Pushes committed rows to every ring member; `done` gets the peers that committed them, once `needed`
   * have (after a short grace for the rest) or once every push settled.
   */
  publish(entries: Manifest[], needed: number, done: (acks: string[]) => void): void {
    const { p } = this;
    const peers = this.pushTargets();
    const acks: string[] = [];
    let pending = peers.length;
    let finished = false;
    let grace: Timer | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      grace?.cancel();
      done([...acks]);
    };
    const check = () => {
      if (pending === 0) finish();
      else if (acks.length >= needed && !grace) grace = p.timer(p.ctx.settings.publishGraceMs, finish);
    };
    check();
    for (const m of peers) this.pushTo(m.id, entries, (ok) => {
      pending--;
      if (ok) acks.push(m.id);
      check();
    });
  }

  private pushTo(peer: string, entries: Manifest[], done: (ok: boolean) => void): void {
    const { p } = this;
    const batches: Manifest[][] = [];
    for (let i = 0; i < entries.length; i += MAX_PUSH_ENTRIES) batches.push(entries.slice(i, i + MAX_PUSH_ENTRIES));
    const sendBatch = (i: number): void => {
      if (i >= batches.length) return done(true);
      p.rpc.call(peer, "push", { entries: batches[i]! }, p.ctx.settings.pushTimeoutMs, (r) => {
        if (r.ok) sendBatch(i + 1);
        else done(false);
      });
    };
    sendBatch(0);
  }

  /** One anti-entropy round: every live peer not yet caught up with, else one random live peer. */
  tick(): void {
    const { p } = this;
    if (p.ctx.broken.has("no-anti-entropy")) return;
    const peers = this.peers();
    const live = new Set(peers.map((m) => m.id));
    for (const id of this.caughtUp) if (!live.has(id)) this.caughtUp.delete(id);
    const fresh = peers.filter((m) => !this.caughtUp.has(m.id));
    const targets = fresh.length > 0 ? fresh : peers.length > 0 ? [peers[Math.floor(p.rng() * peers.length)]!] : [];
    for (const t of targets) {
      // The real tick attaches these handlers again to a round already in flight with the same peer;
      // they would only add the same id and log the same failure once more, so here they go on once.
      if (this.syncing.has(t.id)) continue;
      this.syncWith(t.id).then(
        () => this.caughtUp.add(t.id),
        (err) => p.log(`sync with ${t.id} failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
  }

  private syncWith(peer: string): Promise<number> {
    const running = this.syncing.get(peer);
    if (running) return running;
    // Starting a round queues promise continuations: let the runner drain them after this event.
    this.p.ctx.markAsync();
    const round = this.pull(peer).finally(() => this.syncing.delete(peer));
    this.syncing.set(peer, round);
    return round;
  }

  private async pull(peer: string): Promise<number> {
    const { p } = this;
    if (!p.placement.member(peer)) return 0;
    this.rounds++;
    const fetchPage = (request: SyncRequest) =>
      new Promise<SyncResponse>((resolve, reject) => {
        p.rpc.call(peer, "sync", request, p.ctx.settings.syncTimeoutMs, (r) => {
          p.ctx.markAsync();
          if (r.ok) resolve(r.res);
          else reject(new Error(r.error));
        });
      });
    const round = await runSyncRound(p.node.manifests, fetchPage);
    if (round.applied > 0) p.log(`sync from ${peer} applied ${round.applied} rows in ${round.pages} page(s)`);
    return round.applied;
  }
}
