// Keeps this node's copy of the cluster settings record current and applies it: a change made here is
// pushed to every live member at once; every interval this node also compares records with one random live
// member (a node that was away, or missed a push, catches up within a round), and pushes its own when it
// is the newer. The settings in force are applied at start (from the stored record, before the node serves)
// and after every change.
import type { Logger } from "../log.ts";
import type { Placement } from "../replication/placement.ts";
import type { JsonHandlers } from "../rpc/methods.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { errorMessage } from "../errors.ts";
import { BackgroundWorker, type PassOutcome } from "../util/background-worker.ts";
import { RateLimitedLog } from "../util/rate-limited-log.ts";
import type { Clock } from "../util/clock.ts";
import {
  changedValues,
  type EffectiveSettings,
  effectiveSettings,
  nextSettingsVersion,
  type SettingsChangeValues,
  type SettingsDefaults,
  type SettingsRecord,
} from "./cluster-settings.ts";
import type { SettingsStore } from "./settings-store.ts";

export interface SettingsSyncComponents {
  selfId: string;
  store: SettingsStore;
  rpc: PeerRpc;
  /** Who the live members are. */
  placement: Placement;
  clock: Clock;
  random: () => number;
  log: Logger;
  /** The node's own defaults (its environment), in force until the cluster has a record. */
  defaults: SettingsDefaults;
  /** Puts the settings in force (called at construction and after every change). */
  apply: (settings: EffectiveSettings) => void;
}

export interface SettingsChange {
  record: SettingsRecord;
  settings: EffectiveSettings;
  /** Live members that confirmed they hold this record (this node included), of how many. */
  confirmed: number;
  members: number;
}

export class SettingsSync {
  readonly worker: BackgroundWorker;
  private readonly failures: RateLimitedLog;

  constructor(
    init: { intervalMs: number; quietMaxMs?: number },
    private readonly c: SettingsSyncComponents,
  ) {
    this.worker = new BackgroundWorker({ name: "settings", intervalMs: init.intervalMs, quietMaxMs: init.quietMaxMs, clock: c.clock, log: c.log }, () => this.round());
    this.failures = new RateLimitedLog(c.log, 60_000, 3, () => c.clock.elapsed());
    c.apply(this.current());
  }

  start(): void {
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
  }

  current(): EffectiveSettings {
    return effectiveSettings(this.c.store.get(), this.c.defaults);
  }

  record(): SettingsRecord | undefined {
    return this.c.store.get();
  }

  /** Takes a record from a peer (or made here) if it is newer; applies it. Says whether it was. */
  merge(record: SettingsRecord, from: string): boolean {
    const before = this.current();
    if (!this.c.store.offer(record)) return false;
    const after = this.current();
    this.c.log.info("cluster settings changed", { from, version: record.version, ...diff(before, after) });
    this.c.apply(after);
    return true;
  }

  /**
   * An operator's change on this node: a new record above the one held, pushed to every live member. Throws a
   * RangeError (nothing changed) when it would leave more folder factors than allowed.
   */
  async set(change: SettingsChangeValues): Promise<SettingsChange> {
    const { selfId, clock, rpc } = this.c;
    const held = this.c.store.get();
    const record: SettingsRecord = { values: changedValues(held?.values, change), version: nextSettingsVersion(selfId, clock.now(), held) };
    this.merge(record, selfId);
    const peers = this.livePeers();
    const pushed = await rpc.callMany(peers, "settings.push", { record }, { quorum: peers.length, graceMs: 0 });
    for (const [peer, err] of pushed.failed) this.c.log.warn("settings push failed; the peer catches up at its next settings round", { peer, err });
    const confirmed = 1 + [...pushed.ok.values()].filter((a) => a.version >= record.version).length;
    return { record, settings: this.current(), confirmed, members: peers.length + 1 };
  }

  handlers(): Pick<JsonHandlers, "settings.push" | "settings.get"> {
    return {
      "settings.push": (from, body) => {
        this.merge(body.record, from);
        return { version: this.c.store.get()!.version };
      },
      "settings.get": () => ({ record: this.c.store.get() ?? null }),
    };
  }

  /** One comparison with a random live member: take theirs if newer, give ours if newer. */
  /** One comparison with a random peer; "quiet" when both held the same record. */
  private async round(): Promise<PassOutcome> {
    const peers = this.livePeers();
    if (peers.length === 0) return "quiet";
    const peer = peers[Math.floor(this.c.random() * peers.length)]!;
    try {
      const { record } = await this.c.rpc.call(peer, "settings.get", {});
      if (record && this.merge(record, peer)) return;
      const mine = this.c.store.get();
      if (mine && (!record || mine.version > record.version)) await this.c.rpc.call(peer, "settings.push", { record: mine });
      else return "quiet";
    } catch (err) {
      // One peer of many: the next round asks another. A peer that is down is membership's news, not ours.
      this.failures.warn("cluster settings comparison with a peer failed; the next round asks another", { peer, err: errorMessage(err) });
    }
  }

  private livePeers(): string[] {
    return this.c.placement.members().filter((m) => m.id !== this.c.selfId && (m.state === "alive" || m.state === "suspect")).map((m) => m.id);
  }
}

function diff(before: EffectiveSettings, after: EffectiveSettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(after) as Array<keyof EffectiveSettings>) {
    const [was, is] = [JSON.stringify(before[k]), JSON.stringify(after[k])];
    if (was !== is) out[k] = `${was} -> ${is}`;
  }
  return out;
}
