// Where chunks live right now: the ring over the members that store chunks (alive + suspect, weight > 0),
// with full members passed over for new copies; the effective replication factor (the cluster's, and each
// chunk's: its folders may ask for another, see chunk-factors.ts), and how many durable copies each
// durability level needs. Pure: no I/O beyond the chunk factor lookup it is given.
import { partitionPosition } from "../metadata/partition.ts";
import { isRingMember, storesChunks, type Member } from "../membership/types.ts";
import { memberPositions, Ring, vnodeCounts, type Hash64 } from "../ring/index.ts";
import type { ChunkFactors, FactorLookup } from "./chunk-factors.ts";
import { type RememberedRing, type RetiredCounts, RingHistory, ringVersion } from "./ring-history.ts";

export type Durability = "fast" | "quorum" | "all";
export const durabilities: readonly Durability[] = ["fast", "quorum", "all"];

/** Copies a write needs before it is acknowledged, for an effective replication factor n. */
export function requiredCopies(durability: Durability, n: number): number {
  if (n <= 0) return 1;
  switch (durability) {
    case "fast":
      return 1;
    case "quorum":
      return Math.floor(n / 2) + 1;
    case "all":
      return n;
  }
}

/** A path's owners under one ring, and the effective replication factor in force under it. */
export interface OwnerSet {
  owners: readonly string[];
  factor: number;
}

/**
 * How many of a set's owners an operation needs. The current ring's set (the first) asks what the operation
 * itself needs; a set of a ring replaced within the settle window asks only what meets every quorum taken
 * under that ring — |set| − ⌊f/2⌋ owners, where f was the factor then (a majority of f was what reads, writes
 * and Paxos rounds needed under it). So a ring from when a node knew only itself (f = 1) asks for that node,
 * and one from when two nodes were up (f = 2, writes needed both) asks for either.
 */
export type QuorumRule = (set: OwnerSet, current: boolean) => number;

const meetsOld = (set: OwnerSet) => Math.max(1, set.owners.length - Math.floor(set.factor / 2));

/** Reads and Paxos rounds: a majority of n. */
export const majority: QuorumRule = (set, current) => (current ? Math.floor(set.factor / 2) + 1 : meetsOld(set));

/** A write at `durability` (a `fast` write promises nothing to later quorum reads, so old rings ask nothing). */
export const copiesFor =
  (durability: Durability): QuorumRule =>
  (set, current) =>
    current ? requiredCopies(durability, set.factor) : durability === "fast" ? 0 : meetsOld(set);

/** Whether the holders make a quorum in every owner set (joint quorums; the first set is the current ring's). */
export function quorumInEach(sets: readonly OwnerSet[], need: QuorumRule, holds: (id: string) => boolean): boolean {
  return sets.every((set, i) => set.owners.filter(holds).length >= need(set, i === 0));
}

/** The fewest holders any of the sets has. */
export function fewestInAny(sets: readonly OwnerSet[], holds: (id: string) => boolean): number {
  return Math.min(...sets.map((set) => set.owners.filter(holds).length));
}

export interface PlacementSettle {
  /**
   * How long a replaced ring may still count for manifest quorums (writes, reads and Paxos rounds need a quorum
   * of a path's owners under the current ring *and* under every ring replaced and not yet retired), so that a
   * quorum read still meets a quorum write while members join, die or come back. A replaced ring is retired
   * as soon as every owner of the current ring announces it synced (ring-history.ts); this is the most it is
   * kept when one never does (the valve). 0: only the current ring.
   */
  ms: number;
  /** Monotonic milliseconds. */
  now: () => number;
  /** Called when rings are let go by age rather than by their owners' trackers, with the owners that had not reported. */
  onAgedOut?: (rings: number, unsynced: string[]) => void;
}

export class Placement {
  private ringValue: Ring;
  /** Rings (and factors) replaced within the settle window and not yet retired by sync, newest last. */
  private readonly history: RingHistory;
  private byId = new Map<string, Member>();
  /** Counts member list updates: whoever derives something from the list knows when to derive it again. */
  version = 0;
  /** What the ring's virtual nodes depend on (ids, weights, zones); fullness is applied on top. */
  private layoutKey = "";
  private fullKey = "";
  private all: readonly Member[] = [];
  /** Members kept off the ring though still reachable: this node while it hands off and leaves. */
  private excluded = new Set<string>();

  private factor: number;
  /** Per-folder factors and the chunk index behind them; without it every chunk is at the cluster's factor. */
  private chunkFactors: ChunkFactors | undefined;

  constructor(
    replicationFactor: number,
    private readonly hash: Hash64,
    private readonly vnodesPerMember: number,
    private readonly settle: PlacementSettle = { ms: 0, now: () => 0 },
  ) {
    this.factor = replicationFactor;
    this.ringValue = new Ring([], hash, vnodesPerMember);
    this.history = new RingHistory((aged) =>
      settle.onAgedOut?.(aged.length, RingHistory.unsynced(this.ringVersion(), this.ringValue.memberIds, (id) => this.byId.get(id)?.ringSynced)),
    );
  }

  /** N: the copies the cluster keeps of every manifest, and of every chunk no folder asks otherwise for (a live cluster setting). */
  get replicationFactor(): number {
    return this.factor;
  }

  /** From now on each chunk is placed at its own factor (the folders of the files that reference it). */
  useChunkFactors(factors: ChunkFactors): void {
    this.chunkFactors = factors;
  }

  /** The factor a write to `path` places and acknowledges its chunks at (before bounding by the members there are). */
  writeFactorFor(path: string): number {
    return this.chunkFactors?.forPath(path, this.factor) ?? this.factor;
  }

  /**
   * Counts `chunkId` at `factor` until the returned release is called: a write to a folder with its own factor
   * holds its chunks until its manifest is committed (ChunkFactors.hold).
   */
  holdChunk(chunkId: string, factor: number): () => void {
    return this.chunkFactors?.hold(chunkId, factor) ?? (() => {});
  }

  /** The copies a chunk should have now: its factor, bounded by the members there are (effectiveReplicationFactor). */
  chunkFactor(chunkId: string): number {
    return this.bound(this.chunkFactors ? this.chunkFactors.factorOf(chunkId, this.factor) : this.factor);
  }

  /**
   * Each chunk's effective factor as it is now, kept as it is when the settings or the members change: what the
   * placement check compares the owners after a change with.
   */
  factorView(): (chunkId: string) => number {
    const known = this.knownStoring();
    const cluster = this.factor;
    const lookup: FactorLookup | undefined = this.chunkFactors?.frozen();
    return (chunkId) => Math.max(1, Math.min(lookup ? lookup(chunkId, cluster) : cluster, known));
  }

  /**
   * Changes N (the cluster settings did); returns the effective factor before the change when that changed,
   * so the placement check can queue the copies the new owners lack.
   */
  setReplicationFactor(n: number): number | undefined {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`replication factor must be a positive integer, got ${n}`);
    const before = this.effectiveReplicationFactor();
    this.factor = n;
    if (this.effectiveReplicationFactor() === before) return undefined;
    this.remember(this.ringValue, before);
    return before;
  }

  private remember(ring: Ring, factor: number): void {
    this.forgetSettled();
    if (this.settle.ms > 0 && ring.size > 0) this.history.remember({ ring, factor, version: ringVersion(this.hash, factor, this.layoutKey), replacedAt: this.settle.now() });
  }

  /**
   * Drops the replaced rings whose settle window has ended. A ring is big (100 members × 768 virtual nodes:
   * ~0.9 MiB) and a join replaces it dozens of times, so this runs on every change and from the placement
   * check's timer once changes stop (PlacementCheck), not only when a quorum asks: an idle node that joined a
   * hundred keeps none of the join's rings.
   */
  forgetSettled(): void {
    if (this.history.entries.length === 0) return;
    this.history.retireSynced(this.ringVersion(), this.ringValue.memberIds, (id) => this.byId.get(id)?.ringSynced);
    this.history.forgetOlderThan(this.settle.now() - this.settle.ms);
  }

  /** Replaced rings still counted (see forgetSettled). */
  get settlingRings(): number {
    this.forgetSettled();
    return this.history.entries.length;
  }

  /** The replaced rings still counted, newest last (what a node pulls its arcs from before it announces its ring synced). */
  replacedRings(): readonly RememberedRing[] {
    this.forgetSettled();
    return this.history.entries;
  }

  /** How many replaced rings were retired by their owners' trackers, and how many by age (the valve). */
  get retiredRings(): Readonly<RetiredCounts> {
    return this.history.retired;
  }

  /** The current ring's version (ring-history.ts ringVersion): what a member's `ringSynced` names. */
  ringVersion(): string {
    return ringVersion(this.hash, this.effectiveReplicationFactor(), this.layoutKey);
  }

  get ring(): Ring {
    return this.ringValue;
  }

  /**
   * Replaces the member list; returns the previous ring when placement changed: a member joined or left the
   * ring, changed weight or zone, or became full or had room again.
   */
  update(members: readonly Member[]): Ring | undefined {
    const factor = this.effectiveReplicationFactor();
    this.version++;
    this.all = members;
    this.byId = new Map(members.map((m) => [m.id, m]));
    const ringMembers = members.filter((m) => isRingMember(m) && storesChunks(m) && !this.excluded.has(m.id));
    const layoutKey = ringMembers
      .map((m) => `${m.id}/${m.weight}/${m.zone ?? ""}`)
      .sort()
      .join(",");
    const full = ringMembers.filter((m) => m.full).map((m) => m.id).sort();
    const fullKey = full.join(",");
    if (layoutKey === this.layoutKey && fullKey === this.fullKey) {
      // A member's record changed (its ringSynced tracker, say): the replaced rings may be retired now.
      this.forgetSettled();
      return undefined;
    }
    const previous = this.ringValue;
    // Fullness leaves manifest owners where they are (manifestOwners ignores it): only a new layout is
    // remembered for the settle window.
    if (layoutKey !== this.layoutKey) this.remember(previous, factor);
    this.ringValue =
      layoutKey === this.layoutKey
        ? previous.withFull(full)
        : new Ring(
            ringMembers.map((m) => ({ id: m.id, weight: m.weight, zone: m.zone, full: m.full })),
            this.hash,
            this.vnodesPerMember,
          );
    this.layoutKey = layoutKey;
    this.fullKey = fullKey;
    return previous;
  }

  /**
   * The current ring without `id`, at the factor it would have: the ring a node that joined (or came back) never
   * saw, whose owners hold what it gained (ring-sync-plan.ts). Undefined when `id` is not on the ring or is alone.
   */
  ringWithout(id: string): { ring: Ring; factor: number } | undefined {
    if (!this.ringValue.memberIds.includes(id) || this.ringValue.size < 2) return undefined;
    const others = this.all.filter((m) => m.id !== id && this.ringValue.memberIds.includes(m.id));
    const ring = new Ring(others.map((m) => ({ id: m.id, weight: m.weight, zone: m.zone })), this.hash, this.vnodesPerMember);
    return { ring, factor: Math.min(this.effectiveReplicationFactor(), others.length) };
  }

  /** Takes a member off the ring (placement moves as if it had left); returns the previous ring. */
  exclude(id: string): Ring | undefined {
    this.excluded.add(id);
    return this.update(this.all);
  }

  /**
   * Where a member off the ring (dead, left, leaving) would have its virtual nodes beside today's ring members:
   * what the web UI draws for it. None for a gateway (weight 0).
   */
  positionsOffRing(m: Pick<Member, "id" | "weight">): BigUint64Array {
    const onRing = new Set(this.ringValue.memberIds);
    const weights = this.all.filter((x) => onRing.has(x.id) && x.id !== m.id).map((x) => ({ id: x.id, weight: x.weight }));
    const count = vnodeCounts([...weights, { id: m.id, weight: m.weight }], this.vnodesPerMember).get(m.id) ?? 0;
    return memberPositions(this.hash, m.id, count);
  }

  member(id: string): Member | undefined {
    return this.byId.get(id);
  }

  members(): Member[] {
    return [...this.byId.values()];
  }

  /** The members without a copy of the list (read, do not keep: the next update replaces them). */
  memberValues(): Iterable<Member> {
    return this.byId.values();
  }

  /**
   * The replication factor the cluster can have: members that left gracefully no longer count, dead ones
   * still do (a lone survivor of three must not acknowledge a quorum write alone), full ones do (they hold
   * copies and will have room again); storage-less gateways never do.
   */
  effectiveReplicationFactor(): number {
    return this.bound(this.factor);
  }

  private knownStoring(): number {
    let known = 0;
    for (const m of this.byId.values()) if (m.state !== "left" && storesChunks(m) && !this.excluded.has(m.id)) known++;
    return known;
  }

  /** A factor bounded by the storing members known (see effectiveReplicationFactor). */
  bound(factor: number): number {
    return Math.max(1, Math.min(factor, this.knownStoring()));
  }

  /**
   * Owner ids of a chunk: up to its factor's distinct ring members clockwise of it, full members passed over.
   * These take every new copy; a queue row, a placement check, anti-entropy and hand-off all aim at them. A
   * write passes the factor of the folder it writes to (`factor`, bounded here like every other).
   */
  owners(chunkId: string, factor?: number): string[] {
    return this.ringValue.replicaSet(chunkId, factor === undefined ? this.chunkFactor(chunkId) : this.bound(factor));
  }

  /**
   * The members that may keep a copy of a chunk: its owners plus the full members it passed over. A node
   * that filled up keeps what it holds (the sweeper leaves those copies alone, reads still find them), but
   * nothing new is sent to it.
   */
  keepers(chunkId: string): string[] {
    const owners = this.owners(chunkId);
    if (this.ringValue.fullCount === 0) return owners;
    const natural = this.ringValue.replicaSet(chunkId, this.chunkFactor(chunkId), { includeFull: true });
    return [...owners, ...natural.filter((id) => !owners.includes(id))];
  }

  /** Ring members that take new chunks (not full): how many copies a write can make at most. */
  writableMembers(): number {
    return this.ringValue.size - this.ringValue.fullCount;
  }

  /**
   * The members that answer for a path's manifest: the owners of its parent directory's key, so every entry
   * of a directory has the same replica set (a listing asks one set). Writes count acknowledgements and reads
   * ask for a quorum among these; every node still receives every manifest. A full chunk store does not
   * matter here (manifests live in the database), so fullness is ignored: a manifest's owners do not move
   * when a disk fills up. Storage-less gateways are never among them.
   */
  manifestOwners(path: string): string[] {
    return this.ringValue.replicaSetAt(partitionPosition(this.hash, path), this.effectiveReplicationFactor(), { includeFull: true });
  }

  /**
   * The owner sets a manifest quorum must reach for `path`: its owners under the current ring first, then
   * under each ring replaced within the settle window that placed it differently (see PlacementSettle).
   * Fullness is ignored, as in manifestOwners.
   */
  manifestOwnerSets(path: string): OwnerSet[] {
    const position = partitionPosition(this.hash, path);
    const sets: OwnerSet[] = [];
    const same = (a: OwnerSet, b: OwnerSet) => a.factor === b.factor && [...a.owners].sort().join(",") === [...b.owners].sort().join(",");
    for (const { ring, factor } of this.recentRings()) {
      const set = { owners: ring.replicaSetAt(position, factor, { includeFull: true }), factor };
      if (!sets.some((s) => same(s, set))) sets.push(set);
    }
    return sets;
  }

  /** Every member of the current ring and of the rings replaced within the settle window: whom a query of every partition asks. */
  partitionHolders(): string[] {
    return [...new Set(this.recentRings().flatMap(({ ring }) => ring.memberIds))];
  }

  /**
   * Whether the members for which `answered` holds make a read quorum of every partition's owners, under the
   * current ring and each ring replaced within the settle window (as manifestOwnerSets asks of one path's): a
   * query that asks every member at once (a name search at any depth) then saw every row a quorum write
   * acknowledged. Each arc of a ring (the keys up to one virtual node) has one owner set; all are checked unless
   * every member answered.
   */
  readsEveryPartition(answered: (id: string) => boolean): boolean {
    return this.recentRings().every(({ ring, factor }, i) => {
      if (ring.memberIds.every(answered)) return true;
      for (const position of ring.points().positions) {
        const owners = ring.replicaSetAt(position, factor, { includeFull: true });
        if (owners.filter(answered).length < majority({ owners, factor }, i === 0)) return false;
      }
      return true;
    });
  }

  /** The current ring with the factor in force, then the rings replaced within the settle window, newest first. */
  private recentRings(): Array<{ ring: Ring; factor: number }> {
    this.forgetSettled();
    return [{ ring: this.ringValue, factor: this.effectiveReplicationFactor() }, ...this.history.entries.toReversed()];
  }

  /** Identifies the placement two nodes compute with (chunk anti-entropy compares only under equal ones). */
  fingerprint(): string {
    const folders = this.chunkFactors ? JSON.stringify(this.chunkFactors.folderFactors()) : "{}";
    const key = `${this.layoutKey}|${this.fullKey}${folders === "{}" ? "" : `|${folders}`}`;
    return `${this.effectiveReplicationFactor()}:${this.ringValue.size}:${this.hash(key).toString(16)}`;
  }

  /** Copies a write at `durability` needs: of the cluster's factor, or of `factor` (a folder's) when given. */
  required(durability: Durability, factor?: number): number {
    return requiredCopies(durability, this.bound(factor ?? this.factor));
  }
}
