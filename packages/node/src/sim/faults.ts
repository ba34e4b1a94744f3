// The chaos phase (loss, duplication, delay, crashes with the disk kept, at most one node lost for good,
// two-group partitions, joins) and heal(): calm network, no partition, every crashed node back.
import type { Cluster } from "./cluster.ts";
import { calm, type LinkConditions } from "./network.ts";
import { choose, int, type Rng, uniform } from "./rng.ts";
import { addressOf } from "./virtual-node.ts";

export interface ChaosParams {
  conditions: LinkConditions;
  /** Crashes; each node comes back with its disk after up to maxDownMs (or when healing starts). */
  kills: number;
  maxDownMs: number;
  /** Lose one node for good (its disk with it) at a random moment. */
  permanentLoss: boolean;
  partitions: number;
  maxPartitionMs: number;
  joins: number;
  /** Never more nodes down at once than this (crashed + lost). */
  maxDown: number;
}

export class Chaos {
  /** Crashed nodes waiting for their restart. */
  private readonly down = new Set<string>();
  readonly lost: string[] = [];
  readonly joined: string[] = [];
  private partitionId = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly rng: Rng,
    private readonly params: ChaosParams,
    private readonly newNode: () => string,
    private readonly seedId: string,
  ) {}

  private log(text: string): void {
    this.cluster.trace.log(this.cluster.events.now, "chaos", text);
  }

  schedule(start: number, end: number): void {
    const { events, net } = this.cluster;
    const { params, rng } = this;
    events.at(start, () => {
      net.conditions = params.conditions;
      const c = params.conditions;
      this.log(`network: loss ${(c.lossRate * 100).toFixed(1)}%, dup ${(c.duplicateRate * 100).toFixed(1)}%, delay ${c.minDelayMs}-${c.maxDelayMs} ms`);
    });
    for (let i = 0; i < params.kills; i++) events.at(uniform(rng, start, end), () => this.crash(end));
    if (params.permanentLoss) events.at(uniform(rng, start, end), () => this.loseForGood());
    // Partitions one after another, each inside its own slot of the phase.
    const slot = (end - start) / Math.max(1, params.partitions);
    for (let i = 0; i < params.partitions; i++) {
      const from = start + i * slot;
      const t = uniform(rng, from, from + slot * 0.7);
      const duration = Math.min(params.maxPartitionMs, uniform(rng, 3000, from + slot - t));
      events.at(t, () => this.split(t + duration));
    }
    for (let i = 0; i < params.joins; i++) events.at(uniform(rng, start, end), () => this.join());
  }

  private downCount(): number {
    return this.down.size + this.lost.length;
  }

  private crash(phaseEnd: number): void {
    const { cluster, rng, params } = this;
    if (this.downCount() >= params.maxDown) return;
    const victim = choose(rng, cluster.liveIds());
    if (!victim) return;
    cluster.kill(victim, false);
    this.down.add(victim);
    const back = cluster.events.now + uniform(rng, 2000, params.maxDownMs);
    if (back < phaseEnd) cluster.events.at(back, () => this.restart(victim));
  }

  private restart(id: string): void {
    if (!this.down.delete(id)) return;
    this.cluster.trace.log(this.cluster.events.now, id, "RESTART");
    this.cluster.start(id, [addressOf(this.seedId)]);
  }

  private loseForGood(): void {
    const { cluster, rng } = this;
    if (this.lost.length > 0 || this.downCount() >= this.params.maxDown) return;
    const victim = choose(rng, cluster.liveIds());
    if (!victim) return;
    cluster.kill(victim, true);
    this.lost.push(victim);
  }

  private split(until: number): void {
    const { cluster, rng } = this;
    if (cluster.net.partitioned) return;
    const ids = [...cluster.nodes.keys()].filter((id) => !cluster.node(id).lost);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = int(rng, 0, i);
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    const k = 1 + Math.floor(rng() * rng() * Math.floor(ids.length / 2));
    const a = ids.slice(0, k).sort();
    const b = ids.slice(k).sort();
    cluster.net.partition([a, b]);
    const id = ++this.partitionId;
    this.log(`PARTITION #${id} [${a.join(",")}] | ${b.length} others`);
    cluster.events.at(until, () => {
      if (this.partitionId !== id || !cluster.net.partitioned) return;
      cluster.net.heal();
      this.log(`partition #${id} healed`);
    });
  }

  private join(): void {
    const { cluster, rng } = this;
    const id = this.newNode();
    this.joined.push(id);
    cluster.net.assign(id, int(rng, 0, 1));
    const live = cluster.liveIds();
    const seeds = [this.seedId, ...[0, 1].map(() => choose(rng, live)).filter((s) => s !== undefined)];
    cluster.trace.log(cluster.events.now, id, `JOIN via ${[...new Set(seeds)].join(",")}`);
    cluster.start(id, [...new Set(seeds)].map(addressOf));
  }

  /** The end of chaos: a calm network, no partition, every crashed node restarted. */
  heal(): void {
    const { cluster } = this;
    cluster.net.conditions = calm;
    if (cluster.net.partitioned) {
      cluster.net.heal();
      this.partitionId++;
    }
    this.log(`HEAL: calm network, restarting ${[...this.down].sort().join(",") || "nobody"}`);
    for (const id of [...this.down].sort()) this.restart(id);
  }
}
