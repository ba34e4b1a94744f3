// Range anti-entropy for manifests, after Garage's table sync (a Merkle comparison per partition): for the arcs of
// the ring this node owns manifests on, it compares range digests with each of the arc's other owners, splits a
// range whose digests differ into sub-ranges, and pulls the rows of a range small enough (or a single partition)
// through the same last-writer-wins merge as a push. The other owner's own passes pull the other direction. Runs
// beside delta sync (metadata/sync.ts), which still copies every row everywhere; this is what will keep owners
// converged once rows live only on their partition's owners (docs/architecture.md, issue 14).
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import { compareVersions } from "../metadata/hlc.ts";
import { type Manifest, type ManifestKind, rowKey } from "../metadata/manifest.ts";
import type { ManifestStore, RangeCursor } from "../metadata/manifest-store.ts";
import type { PositionRange } from "../metadata/partition.ts";
import { compareNames } from "../metadata/path.ts";
import { combine, type RangeDigest, type RangeKey, sameDigest } from "../metadata/range-digests.ts";
import { applyPush, chunkBoundedPrefix, MAX_SYNC_PAGE_CHUNKS } from "../metadata/sync.ts";
import {
  cursorFromWire,
  cursorToWire,
  digestFromWire,
  digestToWire,
  MAX_DIGEST_RANGES,
  MAX_RANGE_KEYS,
  MAX_RANGE_ROWS,
  rangeFromWire,
  rangeToWire,
} from "../rpc/manifest-range-methods.ts";
import { type JsonHandlers, MAX_READ_PATHS, type RequestOf, type ResponseOf } from "../rpc/methods.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { BackgroundWorker, type PassOutcome } from "../util/background-worker.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { type OwnedArc, ownedArcs } from "./owned-arcs.ts";
import type { Placement } from "./placement.ts";
import { RingSync } from "./ring-sync.ts";

/** A range whose digests differ is cut into this many sub-ranges (Garage's Merkle nodes are 16-way too). */
export const SPLIT = 16;
/** A differing range the peer holds at most this many rows of is pulled rather than cut further. */
export const LEAF_ROWS = 128;

/** What one pass may spend at most, whatever it finds: calls, rows pulled, bytes of JSON both ways. */
export interface RangeSyncBudget {
  calls: number;
  rows: number;
  bytes: number;
}

/** Eight digest calls of MAX_DIGEST_RANGES arcs: every arc a node of five shares with one co-owner (~465). */
export const ARCS_PER_PASS = 512;

export const DEFAULT_BUDGET: RangeSyncBudget = { calls: 64, rows: 5_000, bytes: 8 * 1024 * 1024 };

/**
 * Ranges the ring pass (ring-sync.ts) may compare in one pass, as arcsPerPass times this: half the call budget in
 * digest calls at the default. A node of five plans ~3,000 ranges after its boot (cut where the rings' arcs differ),
 * each compared with one or two previous owners: a few passes rather than a dozen past the settle window.
 */
export const RING_PASS_FACTOR = 4;

export interface ManifestRangeSyncInit {
  /** Wait between passes (the tranquility: a pass compares the next arcs shared with one co-owner, then waits this long). */
  intervalMs: number;
  /** Passes that found every digest equal stretch the wait up to this (BackgroundWorker "quiet"). */
  quietMaxMs?: number;
  /**
   * Arcs of one co-owner compared per pass (default ARCS_PER_PASS). With 768 virtual nodes per member and RF 3 a
   * node of five owns ~930 arcs (neighbours with the same owners merged), each shared with two co-owners: ~465
   * per co-owner; at a hundred nodes ~2,300 arcs, ~46 per co-owner.
   */
  arcsPerPass?: number;
  budget?: RangeSyncBudget;
}

export interface ManifestRangeSyncComponents {
  selfId: string;
  manifests: ManifestStore;
  placement: Placement;
  rpc: PeerRpc;
  log: Logger;
  clock?: Clock;
  isBlocked?: (memberId: string) => boolean;
  /** Puts the ring version this node has synced in its member record (ring-sync.ts); the simulator has none. */
  announceRingSynced?: (version: string | undefined) => void;
}

export interface RangeSyncStats {
  passes: number;
  /** Arcs compared with one of their other owners. */
  arcsCompared: number;
  digestCalls: number;
  /** Ranges (arcs and sub-ranges) whose digests differed. */
  rangesDiffering: number;
  /** Pages of keys and versions asked for. */
  keyCalls: number;
  keysReceived: number;
  /** Calls that brought rows (pages of a range, or the rows of keys this node lacked). */
  rowCalls: number;
  rowsReceived: number;
  /** Rows that won the merge here. */
  rowsApplied: number;
  /** JSON bytes of this node's requests and of the answers it got. */
  bytesSent: number;
  bytesReceived: number;
  /** Passes cut short by their budget. */
  budgetCuts: number;
}

/** A pull cut short by a pass's budget, continued first by the next pass. */
interface PendingPull {
  peer: string;
  range: PositionRange;
  after: RangeCursor | undefined;
  keysFirst: boolean;
}

export class ManifestRangeSync {
  readonly worker: BackgroundWorker;
  readonly stats: RangeSyncStats = {
    passes: 0, arcsCompared: 0, digestCalls: 0, rangesDiffering: 0, keyCalls: 0, keysReceived: 0, rowCalls: 0, rowsReceived: 0, rowsApplied: 0, bytesSent: 0, bytesReceived: 0, budgetCuts: 0,
  };
  /** This node's arcs under the current ring, and per co-owner the arcs it shares with it. */
  private arcs: { ring: unknown; factor: number; list: OwnedArc[]; byPeer: Map<string, PositionRange[]> } | undefined;
  /** The co-owner being compared, and the index of its next shared arc. */
  private turn: { peer: string; next: number } | undefined;
  private pending: PendingPull[] = [];
  /** Ranges a pass's budget left uncompared, compared first by the next pass. */
  private unfinished: Array<{ peer: string; ranges: PositionRange[] }> = [];
  /** After a ring change, the comparisons with the arcs' previous owners that earn the ringSynced tracker. */
  readonly ringSync: RingSync;

  constructor(
    private readonly init: ManifestRangeSyncInit,
    private readonly c: ManifestRangeSyncComponents,
  ) {
    this.worker = new BackgroundWorker(
      { name: "manifest-range-sync", intervalMs: init.intervalMs, quietMaxMs: init.quietMaxMs, clock: c.clock ?? systemClock, log: c.log },
      () => this.pass(),
    );
    this.ringSync = new RingSync({ selfId: c.selfId, placement: c.placement, log: c.log, reachable: (id) => this.reachable(id), announce: c.announceRingSynced });
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** The arcs this node owns under the current ring, computed again only when the ring or the factor changed. */
  ownedArcs(): OwnedArc[] {
    return this.layout().list;
  }

  private layout(): NonNullable<ManifestRangeSync["arcs"]> {
    const { placement, selfId } = this.c;
    const factor = placement.effectiveReplicationFactor();
    if (this.arcs?.ring !== placement.ring || this.arcs.factor !== factor) {
      const list = ownedArcs(placement.ring, factor, selfId);
      const byPeer = new Map<string, PositionRange[]>();
      for (const arc of list) {
        for (const peer of arc.peers) {
          let ranges = byPeer.get(peer);
          if (!ranges) byPeer.set(peer, (ranges = []));
          ranges.push(arc.range);
        }
      }
      this.arcs = { ring: placement.ring, factor, list, byPeer: new Map([...byPeer].sort(([a], [b]) => compareNames(a, b))) };
      this.turn = undefined;
    }
    return this.arcs;
  }

  /** Passes that compare every arc with every co-owner once (at most arcsPerPass arcs of one co-owner a pass). */
  passesPerCycle(): number {
    const per = this.init.arcsPerPass ?? ARCS_PER_PASS;
    return [...this.layout().byPeer.values()].reduce((n, ranges) => n + Math.ceil(ranges.length / per), 0);
  }

  /**
   * One pass: the pulls and comparisons the last pass's budget cut short, then up to `arcsPerPass` of the arcs this node shares
   * with one co-owner (the next ones of the co-owner in turn; then the next co-owner, in id order): one digest call
   * per MAX_DIGEST_RANGES arcs, then sub-ranges where they differ. One co-owner a pass, as chunk anti-entropy
   * bounds its peers a round: at a hundred members an arc's owners are nearly all different, and a slice of arcs
   * would call dozens of members a pass. "quiet" when every digest was equal.
   */
  async pass(): Promise<PassOutcome> {
    this.stats.passes++;
    const budget = { ...(this.init.budget ?? DEFAULT_BUDGET) };
    let differed = false;
    for (const p of this.pending.splice(0)) differed = (await this.guarded(p.peer, () => this.pull(p.peer, p.range, p.after, budget, p.keysFirst))) || differed;
    for (const c of this.unfinished.splice(0)) differed = (await this.guarded(c.peer, () => this.compare(c.peer, c.ranges, budget))) || differed;
    // The arcs' previous owners first after a ring change: the replaced rings count for quorums until it is done.
    const finished = async (peer: string, ranges: PositionRange[]) => {
      const cut = this.unfinished.length + this.pending.length;
      await this.compare(peer, ranges, budget);
      return this.unfinished.length + this.pending.length === cut;
    };
    const ringRanges = (this.init.arcsPerPass ?? ARCS_PER_PASS) * RING_PASS_FACTOR;
    if (spendable(budget)) differed = (await this.ringSync.step(ringRanges, () => spendable(budget), finished)) || differed;
    const turn = spendable(budget) ? this.nextTurn() : undefined;
    if (turn) {
      const shared = this.layout().byPeer.get(turn.peer)!;
      const ranges = shared.slice(turn.next, turn.next + (this.init.arcsPerPass ?? ARCS_PER_PASS)).map((r) => ({ ...r }));
      turn.next += ranges.length;
      this.stats.arcsCompared += ranges.length;
      differed = (await this.guarded(turn.peer, () => this.compare(turn.peer, ranges, budget))) || differed;
    }
    if (budget.calls <= 0 || budget.rows <= 0 || budget.bytes <= 0) this.stats.budgetCuts++;
    return differed ? undefined : "quiet";
  }

  /** The co-owner this pass compares with: the current one while arcs remain, else the next reachable one. */
  private nextTurn(): { peer: string; next: number } | undefined {
    const peers = [...this.layout().byPeer.keys()];
    const current = this.turn;
    if (current && current.next < (this.arcs!.byPeer.get(current.peer)?.length ?? 0) && this.reachable(current.peer)) return current;
    const start = current ? peers.findIndex((id) => compareNames(id, current.peer) > 0) : 0;
    for (let i = 0; i < peers.length; i++) {
      const peer = peers[((start < 0 ? 0 : start) + i) % peers.length]!;
      if (this.reachable(peer)) return (this.turn = { peer, next: 0 });
    }
    return (this.turn = undefined);
  }

  private reachable(id: string): boolean {
    return this.c.placement.member(id)?.state === "alive" && !this.c.isBlocked?.(id);
  }

  /** A failed exchange with one peer is logged and counted as a difference (so the next pass is not stretched). */
  private async guarded(peer: string, exchange: () => Promise<boolean>): Promise<boolean> {
    try {
      return await exchange();
    } catch (err) {
      this.c.log.warn("manifest range sync with a co-owner failed", { peer, err: errorMessage(err) });
      return true;
    }
  }

  /** Compares ranges with a peer, splitting the differing ones, pulling the small ones; true if any differed. */
  private async compare(peer: string, ranges: PositionRange[], budget: RangeSyncBudget): Promise<boolean> {
    const queue = [...ranges];
    let differed = false;
    while (queue.length > 0 && spendable(budget)) {
      const batch = queue.splice(0, MAX_DIGEST_RANGES);
      const answer = await this.call(peer, "manifests.rangeDigests", { ranges: batch.map(rangeToWire) }, budget);
      this.stats.digestCalls++;
      if (answer.digests.length !== batch.length) throw new Error(`${answer.digests.length} digests for ${batch.length} ranges`);
      for (const [i, range] of batch.entries()) {
        const theirs = digestFromWire(answer.digests[i]!);
        const mine = this.c.manifests.rangeDigest(range);
        if (sameDigest(mine, theirs)) continue;
        differed = true;
        this.stats.rangesDiffering++;
        // Rows only we hold: the peer's own pass pulls them.
        if (theirs.count === 0) continue;
        const narrowed = narrow(range, mine, theirs);
        const leaf = theirs.count <= LEAF_ROWS || narrowed.to - narrowed.from < BigInt(SPLIT);
        if (leaf) await this.pull(peer, narrowed, undefined, budget, mine.count > 0);
        else queue.push(...split(narrowed));
      }
    }
    // Cut short by the budget: the next pass goes on from here.
    if (queue.length > 0) this.unfinished.push({ peer, ranges: queue });
    return differed;
  }

  /**
   * Brings a differing range over from a peer, in pages, through the push path's merge; what the budget cuts waits
   * for the next pass. Holding nothing there, this node asks for the rows themselves; otherwise for their keys and
   * versions first, then only the rows it lacks or holds older (a folder is one position, so a leaf may be a
   * folder of thousands of rows that differ in one).
   */
  private async pull(peer: string, range: PositionRange, from: RangeCursor | undefined, budget: RangeSyncBudget, keysFirst: boolean): Promise<boolean> {
    const { manifests } = this.c;
    let after = from;
    for (;;) {
      if (!spendable(budget)) {
        this.pending.push({ peer, range, after, keysFirst });
        return true;
      }
      const request = { range: rangeToWire(range), ...(after ? { after: cursorToWire(after) } : {}) };
      let page: ReadonlyArray<{ path: string; kind: ManifestKind }>;
      let more: boolean;
      if (keysFirst) {
        const answer = await this.call(peer, "manifests.rangeKeys", { ...request, limit: MAX_RANGE_KEYS }, budget);
        this.stats.keyCalls++;
        checkPage(manifests, range, after, answer.keys, answer.more);
        this.stats.keysReceived += answer.keys.length;
        await this.fetchRows(peer, answer.keys.filter((k) => isNewer(k.version, manifests.versionOf(k.path, k.kind))), budget);
        [page, more] = [answer.keys, answer.more];
      } else {
        const answer = await this.call(peer, "manifests.rangeRows", { ...request, limit: Math.min(MAX_RANGE_ROWS, budget.rows) }, budget);
        this.stats.rowCalls++;
        checkPage(manifests, range, after, answer.rows, answer.more);
        this.merge(peer, answer.rows, budget);
        [page, more] = [answer.rows, answer.more];
      }
      if (!more) return true;
      const last = page[page.length - 1]!;
      after = { position: manifests.positionOf(last.path), path: last.path, kind: last.kind };
    }
  }

  /** The rows of these keys, as the peer holds them now (manifests.get, as a quorum read asks), merged here. */
  private async fetchRows(peer: string, keys: readonly RangeKey[], budget: RangeSyncBudget): Promise<void> {
    const wanted = new Set(keys.map(rowKey));
    const paths = [...new Set(keys.map((k) => k.path))];
    for (let i = 0; i < paths.length; i += MAX_READ_PATHS) {
      const answer = await this.call(peer, "manifests.get", { paths: paths.slice(i, i + MAX_READ_PATHS) }, budget);
      this.stats.rowCalls++;
      this.merge(peer, answer.rows.filter((r): r is Manifest => r !== null && wanted.has(rowKey(r))), budget);
    }
  }

  private merge(peer: string, rows: Manifest[], budget: RangeSyncBudget): void {
    const won = applyPush(this.c.manifests, { entries: rows });
    this.stats.rowsReceived += rows.length;
    this.stats.rowsApplied += won.length;
    budget.rows -= rows.length;
    if (won.length > 0) this.c.log.info("range sync applied rows", { peer, rows: rows.length, applied: won.length });
  }

  /** One call, counted against the pass's budget in calls and JSON bytes. */
  private async call<M extends "manifests.rangeDigests" | "manifests.rangeKeys" | "manifests.rangeRows" | "manifests.get">(peer: string, method: M, request: RequestOf<M>, budget: RangeSyncBudget): Promise<ResponseOf<M>> {
    const answer = await this.c.rpc.call(peer, method, request);
    const sent = JSON.stringify(request).length;
    const received = JSON.stringify(answer).length;
    this.stats.bytesSent += sent;
    this.stats.bytesReceived += received;
    budget.calls--;
    budget.bytes -= sent + received;
    return answer;
  }

  /** What this node answers its co-owners. */
  handlers(): Pick<JsonHandlers, "manifests.rangeDigests" | "manifests.rangeKeys" | "manifests.rangeRows"> {
    const { manifests } = this.c;
    return {
      "manifests.rangeDigests": (_from, body) => ({ digests: body.ranges.map((r) => digestToWire(manifests.rangeDigest(rangeFromWire(r)))) }),
      "manifests.rangeKeys": (_from, body) => {
        const keys = manifests.rangeKeys(rangeFromWire(body.range), body.after && cursorFromWire(body.after), body.limit + 1);
        return { keys: keys.slice(0, body.limit), more: keys.length > body.limit };
      },
      "manifests.rangeRows": (_from, body) => {
        const rows = manifests.rangeRows(rangeFromWire(body.range), body.after && cursorFromWire(body.after), body.limit + 1);
        const page = rows.slice(0, chunkBoundedPrefix(rows.slice(0, body.limit), MAX_SYNC_PAGE_CHUNKS));
        return { rows: page, more: rows.length > page.length };
      },
    };
  }
}

/** Whether a peer's version should replace ours (or fill our gap). */
function isNewer(theirs: string, ours: string | undefined): boolean {
  return ours === undefined || compareVersions(theirs, ours) > 0;
}

function spendable(b: RangeSyncBudget): boolean {
  return b.calls > 0 && b.rows > 0 && b.bytes > 0;
}

/**
 * A differing range cut down to the positions either side holds rows at (both sides' bounds): where the rows are
 * few and close together (a folder is one position) the cutting ends at once.
 */
export function narrow(range: PositionRange, mine: RangeDigest, theirs: RangeDigest): PositionRange {
  const both = combine(mine, theirs);
  if (both.first === undefined || both.last === undefined) return range;
  const from = both.first > range.from ? both.first : range.from;
  const to = both.last + 1n < range.to ? both.last + 1n : range.to;
  return from < to ? { from, to } : range;
}

/** SPLIT sub-ranges of equal width (the last takes the remainder). */
export function split(range: PositionRange): PositionRange[] {
  const step = (range.to - range.from) / BigInt(SPLIT);
  return Array.from({ length: SPLIT }, (_, i) => ({
    from: range.from + step * BigInt(i),
    to: i === SPLIT - 1 ? range.to : range.from + step * BigInt(i + 1),
  }));
}

/**
 * A peer's page is believed only if it is what was asked: rows of the range, in (position, path, kind) order after
 * the cursor, and not empty when it says there is more (the next page would ask the same).
 */
function checkPage(store: ManifestStore, range: PositionRange, after: RangeCursor | undefined, rows: ReadonlyArray<{ path: string; kind: ManifestKind }>, more: boolean): void {
  if (more && rows.length === 0) throw new Error("a range page said 'more' but held no row");
  let previous = after;
  for (const row of rows) {
    const position = store.positionOf(row.path);
    if (position < range.from || position >= range.to) throw new Error(`a range page held /${row.path}, outside the range asked`);
    if (previous && !follows(position, row, previous)) throw new Error(`a range page is out of order at /${row.path}`);
    previous = { position, path: row.path, kind: row.kind };
  }
}

/** The range index's order (SQLite compares paths by code point, as compareNames does). */
function follows(position: bigint, row: Pick<Manifest, "path" | "kind">, than: RangeCursor): boolean {
  if (position !== than.position) return position > than.position;
  if (row.path !== than.path) return compareNames(row.path, than.path) > 0;
  return row.kind > than.kind;
}
