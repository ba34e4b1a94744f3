// replication/surplus-sweeper.ts on virtual time: pages through local chunks this node no longer owns, asks
// their owners (HAS) and lets the real `decideSurplus` keep, delete (all owners hold it, grace over) or feed.
import { decideSurplus } from "../replication/surplus-decision.ts";
import type { NodeProcess } from "./virtual-node.ts";

export class SimSurplusSweeper {
  private cursor: string | undefined;
  private readonly since = new Map<string, number>();
  deleted = 0;

  constructor(private readonly p: NodeProcess) {}

  /** node.ts: every min(5 s, max(200 ms, grace / 4)); like PeriodicTask, the first pass one interval after start. */
  start(): void {
    const grace = this.p.ctx.settings.rebalanceGraceMs;
    if (grace < 0) return;
    const every = Math.min(5000, Math.max(200, grace / 4));
    const loop = () => this.pass(() => this.p.timer(every, loop));
    this.p.timer(every, loop);
  }

  private pass(done: () => void): void {
    const { p } = this;
    const { placement, node } = p;
    const pageSize = 1000;
    const all = [...node.chunks].sort();
    const from = this.cursor === undefined ? 0 : all.findIndex((id) => id > this.cursor!);
    const ids = from < 0 ? [] : all.slice(from, from + pageSize);
    this.cursor = ids.length === pageSize ? ids[ids.length - 1] : undefined;
    const surplus = new Map<string, string[]>();
    for (const id of ids) {
      const owners = placement.owners(id);
      if (owners.includes(p.id) || owners.length === 0) this.since.delete(id);
      else surplus.set(id, owners);
    }
    if (surplus.size === 0) return done();
    // One batched HAS per owner.
    const byOwner = new Map<string, string[]>();
    for (const [id, owners] of surplus) for (const o of owners) byOwner.set(o, [...(byOwner.get(o) ?? []), id]);
    const confirmed = new Map<string, Set<string>>();
    const unreachable = new Set<string>();
    let pending = byOwner.size;
    const answered = () => {
      if (--pending > 0) return;
      this.decide(surplus, confirmed, unreachable);
      done();
    };
    for (const [owner, list] of byOwner) {
      if (!placement.member(owner)) {
        unreachable.add(owner);
        p.timer(0, answered);
        continue;
      }
      p.rpc.call(owner, "has", { chunks: list }, p.ctx.settings.transferTimeoutMs, (r) => {
        if (!r.ok) unreachable.add(owner);
        else
          list.forEach((id, i) => {
            if (!r.res.present[i]) return;
            const set = confirmed.get(id) ?? new Set<string>();
            set.add(owner);
            confirmed.set(id, set);
          });
        answered();
      });
    }
  }

  private decide(surplus: Map<string, string[]>, confirmed: Map<string, Set<string>>, unreachable: Set<string>): void {
    const { p } = this;
    const now = p.now;
    for (const [id, owners] of surplus) {
      if (!this.since.has(id)) this.since.set(id, now);
      const action = decideSurplus({
        owners,
        confirmed: confirmed.get(id) ?? new Set(),
        unreachable,
        surplusSince: this.since.get(id)!,
        now,
        graceMs: p.ctx.settings.rebalanceGraceMs,
      });
      if (action.kind === "delete") {
        p.node.chunks.delete(id);
        this.since.delete(id);
        this.deleted++;
        p.log(`surplus copy ${id.slice(0, 8)} deleted (owners [${owners}] hold it)`);
      } else if (action.kind === "feed") {
        p.node.queue.enqueue(action.targets.map((target) => ({ chunkId: id, target })), now);
        p.log(`surplus copy ${id.slice(0, 8)}: owners [${action.targets}] still lack it, feeding them`);
      }
    }
  }
}
