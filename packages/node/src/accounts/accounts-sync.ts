// Keeps this node's account records in step with the cluster's: a record written here is pushed to every
// live member at once; every interval this node compares digests with one random live member and, when they
// differ, takes every newer record the peer holds and sends it the ones it lacks (a node that was away, or
// missed a push, catches up within a round). Last writer wins per record (records.ts), so the order in which
// records arrive does not matter.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { MAX_ACCOUNT_PUSH, type JsonHandlers } from "../rpc/methods.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { BackgroundWorker, type PassOutcome } from "../util/background-worker.ts";
import type { Clock } from "../util/clock.ts";
import { RateLimitedLog } from "../util/rate-limited-log.ts";
import type { AccountStore } from "./account-store.ts";
import { type AccountRecord, recordKey } from "./records.ts";

export interface AccountsSyncComponents {
  selfId: string;
  store: AccountStore;
  rpc: PeerRpc;
  /** The live members other than this node. */
  peers: () => string[];
  clock: Clock;
  random: () => number;
  log: Logger;
}

export interface AccountWrite {
  /** Live members that confirmed they hold the record (this node included), of how many. */
  confirmed: number;
  members: number;
}

const keyOf = (r: AccountRecord) => `${r.kind}:${recordKey(r)}`;

export class AccountsSync {
  readonly worker: BackgroundWorker;
  private readonly failures: RateLimitedLog;

  constructor(
    init: { intervalMs: number; quietMaxMs?: number },
    private readonly c: AccountsSyncComponents,
  ) {
    this.worker = new BackgroundWorker({ name: "accounts", intervalMs: init.intervalMs, quietMaxMs: init.quietMaxMs, clock: c.clock, log: c.log }, () => this.round());
    this.failures = new RateLimitedLog(c.log, 60_000, 3, () => c.clock.elapsed());
  }

  start(): void {
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
  }

  /** Keeps the records that are newer than those held; says how many were. */
  merge(records: readonly AccountRecord[], from: string): number {
    let applied = 0;
    for (const r of records) if (this.c.store.offer(r)) applied++;
    // Names and versions only: a record carries a password hash, which has no place in a log.
    if (applied > 0 && from !== this.c.selfId) this.c.log.info("account records taken from a peer", { from, applied });
    return applied;
  }

  /** A record made on this node (versioned above the one it replaces): kept, then pushed to every live member. */
  async write(record: AccountRecord): Promise<AccountWrite> {
    this.merge([record], this.c.selfId);
    const peers = this.c.peers();
    const pushed = await this.c.rpc.callMany(peers, "accounts.push", { records: [record] }, { quorum: peers.length, graceMs: 0 });
    for (const [peer, err] of pushed.failed) this.c.log.warn("account push failed; the peer catches up at its next accounts round", { peer, err });
    return { confirmed: 1 + pushed.ok.size, members: peers.length + 1 };
  }

  handlers(): Pick<JsonHandlers, "accounts.push" | "accounts.digest" | "accounts.all"> {
    return {
      "accounts.push": (from, body) => ({ applied: this.merge(body.records, from) }),
      "accounts.digest": () => ({ digest: this.c.store.digest() }),
      "accounts.all": () => ({ records: this.c.store.all() }),
    };
  }

  /** One comparison with a random live member: cheap (a digest) when both hold the same records. */
  /** One comparison with a random peer; "quiet" when both held the same records. */
  async round(): Promise<PassOutcome> {
    const peers = this.c.peers();
    if (peers.length === 0) return "quiet";
    const peer = peers[Math.floor(this.c.random() * peers.length)]!;
    try {
      const { digest } = await this.c.rpc.call(peer, "accounts.digest", {});
      if (digest === this.c.store.digest()) return "quiet";
      const { records } = await this.c.rpc.call(peer, "accounts.all", {});
      this.merge(records, peer);
      const theirs = new Map(records.map((r) => [keyOf(r), r.version]));
      const lacking = this.c.store.all().filter((r) => (theirs.get(keyOf(r)) ?? "") < r.version);
      for (let i = 0; i < lacking.length; i += MAX_ACCOUNT_PUSH) {
        await this.c.rpc.call(peer, "accounts.push", { records: lacking.slice(i, i + MAX_ACCOUNT_PUSH) });
      }
    } catch (err) {
      // One peer of many: the next round asks another. A peer that is down is membership's news, not ours.
      this.failures.warn("account comparison with a peer failed; the next round asks another", { peer, err: errorMessage(err) });
    }
  }
}
