// Keeps this node's audit records in step with the cluster's: a record made here is pushed to a few random live
// members at once (AUDIT_PUSH_FANOUT, without waiting: a login does not wait on peers), and every interval this
// node compares the digest of its ids with one random live member's; when they differ it fetches the ids,
// takes the records it lacks and sends the ones the peer lacks (within the peer's bound): a push-pull
// epidemic, so a record reaches every member in O(log N) rounds while a delete costs a bounded number of calls.
// Records are immutable and named by time-ordered ids, so the sets converge whatever order they arrive in.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { JsonHandlers } from "../rpc/methods.ts";
import { sample } from "../membership/random.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { BackgroundWorker, type PassOutcome } from "../util/background-worker.ts";
import type { Clock } from "../util/clock.ts";
import { RateLimitedLog } from "../util/rate-limited-log.ts";
import type { AuditStore } from "./audit-store.ts";
import { type AuditRecord, MAX_AUDIT_BATCH } from "./records.ts";

export interface AuditSyncComponents {
  store: AuditStore;
  rpc: PeerRpc;
  /** The live members other than this node. */
  peers: () => string[];
  clock: Clock;
  random: () => number;
  log: Logger;
}

/**
 * Members a record is pushed to when made. Every member, as before, made each audited operation (every delete)
 * cost N − 1 calls; with three nodes this is still every peer.
 */
export const AUDIT_PUSH_FANOUT = 3;

const pages = <T>(items: readonly T[]) => Array.from({ length: Math.ceil(items.length / MAX_AUDIT_BATCH) }, (_, i) => items.slice(i * MAX_AUDIT_BATCH, (i + 1) * MAX_AUDIT_BATCH));

export class AuditSync {
  readonly worker: BackgroundWorker;
  private readonly failures: RateLimitedLog;

  constructor(
    init: { intervalMs: number; quietMaxMs?: number },
    private readonly c: AuditSyncComponents,
  ) {
    this.worker = new BackgroundWorker({ name: "audit", intervalMs: init.intervalMs, quietMaxMs: init.quietMaxMs, clock: c.clock, log: c.log }, () => this.round());
    this.failures = new RateLimitedLog(c.log, 60_000, 3, () => c.clock.elapsed());
  }

  start(): void {
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
  }

  /** Keeps a record made here and sends it to a few live members; the others take it at their rounds. */
  write(record: AuditRecord): void {
    this.c.store.add([record]);
    const peers = sample(this.c.random, this.c.peers(), AUDIT_PUSH_FANOUT);
    if (peers.length === 0) return;
    this.c.rpc.callMany(peers, "audit.push", { records: [record] }, { quorum: peers.length, graceMs: 0 }).catch((err) => {
      this.failures.warn("audit push failed; peers catch up at their next audit round", { err: errorMessage(err) });
    });
  }

  handlers(): Pick<JsonHandlers, "audit.push" | "audit.digest" | "audit.ids" | "audit.get"> {
    return {
      "audit.push": (_from, { records }) => ({ taken: this.c.store.add(records) }),
      "audit.digest": () => ({ digest: this.c.store.digest(), count: this.c.store.count, keep: this.c.store.keep }),
      "audit.ids": () => ({ ids: this.c.store.ids(), keep: this.c.store.keep }),
      "audit.get": (_from, { ids }) => ({ records: this.c.store.get(ids) }),
    };
  }

  /** One comparison with a random peer; "quiet" when both held the same records. */
  async round(): Promise<PassOutcome> {
    const peers = this.c.peers();
    if (peers.length === 0) return "quiet";
    const peer = peers[Math.floor(this.c.random() * peers.length)]!;
    try {
      const { digest } = await this.c.rpc.call(peer, "audit.digest", {});
      if (digest === this.c.store.digest()) return "quiet";
      const theirs = await this.c.rpc.call(peer, "audit.ids", {});
      const mine = this.c.store.ids();
      const held = new Set(mine);
      for (const ids of pages(theirs.ids.filter((id) => !held.has(id)))) {
        const { records } = await this.c.rpc.call(peer, "audit.get", { ids });
        this.c.store.add(records);
      }
      // What the peer lacks, but not what it would refuse: below its oldest record once it holds its bound.
      const peerHeld = new Set(theirs.ids);
      const floor = theirs.ids.length >= theirs.keep ? theirs.ids.at(-1)! : "";
      const lacking = this.c.store.get(mine.filter((id) => !peerHeld.has(id) && id > floor));
      for (const records of pages(lacking)) await this.c.rpc.call(peer, "audit.push", { records });
    } catch (err) {
      this.failures.warn("audit comparison with a peer failed; the next round asks another", { peer, err: errorMessage(err) });
    }
  }
}
