// Quorum reads of manifests. Before a request is answered from this node's rows, the rows it needs are
// brought up to what a read quorum of their owners holds (placement.manifestOwnerSets; R = ⌊N/2⌋ + 1, so
// R + W > N for quorum writes, also while the ring changes: a quorum under each recent ring): the newest
// row wins and is applied here too (read repair). A read asked with consistency=local skips that, but only
// once this node has finished a sync round since it started: a node that just came back never answers
// from stale state alone.
import { OrreryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Manifest, ManifestKind } from "../metadata/manifest.ts";
import { nameOf } from "../metadata/path.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { MAX_READ_PATHS } from "../rpc/methods.ts";
import { callMany } from "../rpc/call-many.ts";
import { callQuorum } from "../rpc/call-quorum.ts";
import { searchCluster, type SearchPage } from "./cluster-search.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { Schedule } from "../util/coalesce.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { HedgeDelay } from "../util/hedge-delay.ts";
import { rowGets } from "./manifest-batches.ts";
import { OlderMembers } from "./older-members.ts";
import { fewestInAny, majority, type OwnerSet, type Placement, quorumInEach } from "./placement.ts";

export type Consistency = "quorum" | "local";
export const consistencies: readonly Consistency[] = ["quorum", "local"];

export interface ManifestReadsComponents {
  selfId: string;
  manifests: ManifestStore;
  placement: Placement;
  rpc: PeerRpc;
  log: Logger;
  /** True once this node completed a manifest sync round with a peer since it started (or has no peer). */
  synced: () => boolean;
  /** When the reads asked in one turn go out together (default: setImmediate). */
  schedule?: Schedule;
  /** Whose time the hedge delay runs on (default: the system clock). */
  clock?: Clock;
}

/** Bounds of the wait for the owners asked first before the others are asked too (the p99 of recent answers between). */
export const READ_HEDGE = { minMs: 50, maxMs: 1000 };

export class ManifestReads {
  /**
   * The reads of one turn to one owner travel as one call (16 clients' GETs: one call per owner, not 16), which
   * carries this node's versions so that only newer rows come back (manifest-batches.ts).
   */
  readonly gets;
  /** Members of an earlier version, asked with the calls they know (older-members.ts). */
  private readonly older: OlderMembers;
  /** How long the owners asked first may take before the others are asked as well. */
  readonly hedge = new HedgeDelay(READ_HEDGE.minMs, READ_HEDGE.maxMs);
  /** Owners asked beyond the first ones a read needed (an owner failed, or the hedge fired), by what was read: for /metrics. */
  readonly extraCalls = { rows: 0, pages: 0 };

  constructor(private readonly c: ManifestReadsComponents) {
    const clock = c.clock ?? systemClock;
    this.older = new OlderMembers(() => clock.elapsed(), c.log);
    this.gets = rowGets({
      rpc: c.rpc,
      held: (path) => [c.manifests.get(path, "file"), c.manifests.get(path, "dir")],
      versionOf: (path, kind) => c.manifests.versionOf(path, kind),
      older: this.older,
      schedule: c.schedule,
    });
  }

  /** Makes this node's rows for `paths` at least as new as a read quorum of their owners' (see the file comment). */
  async refresh(paths: readonly string[], consistency: Consistency = "quorum"): Promise<void> {
    if (paths.length === 0 || this.skips(consistency)) return;
    const groups = new Map<string, { sets: OwnerSet[]; paths: string[] }>();
    for (const path of new Set(paths)) {
      const sets = this.c.placement.manifestOwnerSets(path);
      const key = sets.map((s) => `${s.factor}:${s.owners.join(",")}`).join("|");
      const group = groups.get(key) ?? { sets, paths: [] };
      group.paths.push(path);
      groups.set(key, group);
    }
    await Promise.all(
      [...groups.values()].map(async ({ sets, paths: group }) => {
        for (let i = 0; i < group.length; i += MAX_READ_PATHS) {
          const batch = group.slice(i, i + MAX_READ_PATHS);
          const answers = await this.ask(sets, "rows", `/${batch[0]}`, (id) => this.gets.call(id, batch));
          this.repair(answers.flat(2).filter((r): r is Manifest => r !== null));
        }
      }),
    );
  }

  /** The same for one page of a directory's entries (the rows after `after`, `limit` of them, tombstones too). */
  async refreshChildren(dir: string, opts: { after?: string; limit: number }, consistency: Consistency = "quorum"): Promise<void> {
    if (this.skips(consistency)) return;
    const page = { after: opts.after, limit: Math.min(opts.limit, MAX_READ_PATHS) };
    // Every entry of a directory has the owners of the directory's own key (placement.manifestOwners).
    const sets = this.c.placement.manifestOwnerSets(dir === "" ? "x" : `${dir}/x`);
    // The versions of this node's own page go with the call, so that an owner sends only the rows it holds newer
    // (or that this node lacks): a listing of small files used to bring every file's bytes from every owner asked.
    const have = this.c.manifests.childVersions(dir, page).map((r): [string, ManifestKind, string] => [nameOf(r.path), r.kind, r.version]);
    const answers = await this.ask(sets, "pages", `/${dir}`, (id) =>
      this.older.call(
        id,
        "manifests.newerChildren",
        () => this.c.rpc.call(id, "manifests.newerChildren", { dir, ...page, have }),
        () => this.c.rpc.call(id, "manifests.children", { dir, ...page }),
      ),
    );
    this.repair(answers.flatMap((a) => a.rows));
  }

  /** A page of a name search at any depth below `dir`, from every member's rows (cluster-search.ts). */
  search(dir: string, text: string, page: { after?: string; limit: number }): Promise<SearchPage> {
    return searchCluster(this.c, dir, text, page);
  }

  /**
   * Every row each reachable owner of `path` holds for it (its file's and its folder's), as they answered, this
   * node left out: a damaged row here is put back from one of them (inline-repair.ts).
   */
  async ownersRows(path: string): Promise<Manifest[]> {
    const others = [...new Set(this.c.placement.manifestOwnerSets(path).flatMap((s) => s.owners))].filter((id) => id !== this.c.selfId);
    const result = await callMany(others, (id) => this.c.rpc.call(id, "manifests.get", { paths: [path] }), { quorum: (ok) => ok.size === others.length, graceMs: 0 });
    return [...result.ok.values()].flatMap((a) => a.rows.filter((r): r is Manifest => r !== null));
  }

  /** Whether a read at `consistency` asks no peer: local once synced, or a cluster that keeps one copy. */
  skips(consistency: Consistency): boolean {
    if (consistency === "local" && this.c.synced()) return true;
    // A node that is its path's only owner (a single-node cluster) is the quorum itself.
    return this.c.placement.effectiveReplicationFactor() === 1;
  }

  /**
   * Answers from enough owners to make a read quorum in every owner set (the current ring's, and those of rings
   * replaced moments ago), this node's own rows counting where it is an owner. Only as many owners as that needs
   * are asked (rpc/call-quorum.ts), in the order `preferred` gives; another when one fails or is slow.
   */
  private async ask<T>(sets: readonly OwnerSet[], read: "rows" | "pages", what: string, call: (id: string) => Promise<T>): Promise<T[]> {
    const { selfId } = this.c;
    const clock = this.c.clock ?? systemClock;
    const r = majority(sets[0]!, true);
    const others = this.preferred([...new Set(sets.flatMap((s) => s.owners))].filter((id) => id !== selfId));
    const enough = (answered: (id: string) => boolean) => quorumInEach(sets, majority, (id) => id === selfId || answered(id));
    const timed = (id: string) => {
      const started = clock.elapsed();
      return call(id).then((answer) => {
        this.hedge.record(clock.elapsed() - started);
        return answer;
      });
    };
    const result = await callQuorum(others, timed, { enough, hedgeMs: this.hedge.delayMs(), clock });
    this.extraCalls[read] += result.extra;
    if (!result.reached) {
      const answered = fewestInAny(sets, (id) => id === selfId || result.ok.has(id));
      throw new OrreryError(
        503,
        "read_quorum_unreachable",
        `only ${answered} of the ${r} owners a read of ${what} needs answered; ?consistency=local reads this node's copy`,
        { owners: sets[0]!.owners, required: r, ...(sets.length > 1 ? { ownersDuringRingChange: sets.slice(1).map((s) => s.owners) } : {}) },
      );
    }
    return [...result.ok.values()];
  }

  /**
   * The order owners are asked in: alive before suspect, then the members whose ids follow this node's (wrapping
   * around), so that each node asks one steady peer first (its reads of one turn share one call) and the nodes'
   * reads spread over the cluster rather than all landing on one member.
   */
  private preferred(ids: string[]): string[] {
    const { selfId, placement } = this.c;
    const rank = (id: string) => (placement.member(id)?.state === "alive" ? 0 : 2) + (id > selfId ? 0 : 1);
    return ids.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Applies the rows newer than this node's (read repair); a row too far ahead of our clock fails the read. */
  private repair(rows: Manifest[]): void {
    const newer = rows.filter((row) => {
      const mine = this.c.manifests.versionOf(row.path, row.kind);
      return mine === undefined || row.version > mine;
    });
    if (newer.length === 0) return;
    try {
      this.c.manifests.apply(newer);
    } catch (err) {
      if ((err as OrreryError).code === "clock_skew") throw new OrreryError(503, "clock_skew", (err as Error).message);
      throw err;
    }
  }
}
