// Where chunks live right now: the ring over the ring members (alive + suspect), the effective
// replication factor, and how many durable copies each durability level needs. Pure: no I/O.
import { parentOf } from "../metadata/path.ts";
import { isRingMember, type Member } from "../membership/types.ts";
import { Ring, type Hash64 } from "../ring/index.ts";

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
   * How long a replaced ring still counts for manifest quorums (writes, reads and Paxos rounds need a quorum
   * of a path's owners under the current ring *and* under every ring replaced this recently), so that a
   * quorum read still meets a quorum write while members join, die or come back, until anti-entropy has
   * brought the new owners up to date. 0: only the current ring.
   */
  ms: number;
  /** Monotonic milliseconds. */
  now: () => number;
}

const manifestKey = (path: string) => `dir:${path === "" ? "" : parentOf(path)}`;

export class Placement {
  private ringValue: Ring;
  /** Rings (and factors) replaced within the settle window, newest last. */
  private history: Array<{ ring: Ring; factor: number; replacedAt: number }> = [];
  private byId = new Map<string, Member>();
  private ringKey = "";
  private all: readonly Member[] = [];
  /** Members kept off the ring though still reachable: this node while it hands off and leaves. */
  private excluded = new Set<string>();

  private factor: number;

  constructor(
    replicationFactor: number,
    private readonly hash: Hash64,
    private readonly vnodesPerMember: number,
    private readonly settle: PlacementSettle = { ms: 0, now: () => 0 },
  ) {
    this.factor = replicationFactor;
    this.ringValue = new Ring([], hash, vnodesPerMember);
  }

  /** N: the copies the cluster keeps of every chunk and manifest (a live cluster setting). */
  get replicationFactor(): number {
    return this.factor;
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
    if (this.settle.ms > 0 && ring.size > 0) this.history.push({ ring, factor, replacedAt: this.settle.now() });
  }

  get ring(): Ring {
    return this.ringValue;
  }

  /** Replaces the member list; returns the previous ring when the ring itself changed. */
  update(members: readonly Member[]): Ring | undefined {
    const factor = this.effectiveReplicationFactor();
    this.all = members;
    this.byId = new Map(members.map((m) => [m.id, m]));
    const ringMembers = members.filter((m) => isRingMember(m) && !this.excluded.has(m.id));
    const key = ringMembers
      .map((m) => `${m.id}/${m.weight}/${m.zone ?? ""}`)
      .sort()
      .join(",");
    if (key === this.ringKey) return undefined;
    const previous = this.ringValue;
    this.remember(previous, factor);
    this.ringKey = key;
    this.ringValue = new Ring(
      ringMembers.map((m) => ({ id: m.id, weight: m.weight, zone: m.zone })),
      this.hash,
      this.vnodesPerMember,
    );
    return previous;
  }

  /** Takes a member off the ring (placement moves as if it had left); returns the previous ring. */
  exclude(id: string): Ring | undefined {
    this.excluded.add(id);
    return this.update(this.all);
  }

  member(id: string): Member | undefined {
    return this.byId.get(id);
  }

  members(): Member[] {
    return [...this.byId.values()];
  }

  /**
   * The replication factor the cluster can have: members that left gracefully no longer count,
   * dead ones still do (a lone survivor of three must not acknowledge a quorum write alone).
   */
  effectiveReplicationFactor(): number {
    let known = 0;
    for (const m of this.byId.values()) if (m.state !== "left" && !this.excluded.has(m.id)) known++;
    return Math.max(1, Math.min(this.replicationFactor, known));
  }

  /** Owner ids of a chunk: up to N distinct ring members clockwise of it. */
  owners(chunkId: string): string[] {
    return this.ringValue.replicaSet(chunkId, this.effectiveReplicationFactor());
  }

  /**
   * The members that answer for a path's manifest: the owners of its parent directory's key, so every entry
   * of a directory has the same replica set (a listing asks one set). Writes count acknowledgements and reads
   * ask for a quorum among these; every node still receives every manifest.
   */
  manifestOwners(path: string): string[] {
    return this.ringValue.replicaSet(manifestKey(path), this.effectiveReplicationFactor());
  }

  /**
   * The owner sets a manifest quorum must reach for `path`: its owners under the current ring first, then
   * under each ring replaced within the settle window that placed it differently (see PlacementSettle).
   */
  manifestOwnerSets(path: string): OwnerSet[] {
    const key = manifestKey(path);
    const n = this.effectiveReplicationFactor();
    const sets: OwnerSet[] = [{ owners: this.ringValue.replicaSet(key, n), factor: n }];
    const since = this.settle.now() - this.settle.ms;
    this.history = this.history.filter((h) => h.replacedAt >= since);
    const same = (a: OwnerSet, b: OwnerSet) => a.factor === b.factor && [...a.owners].sort().join(",") === [...b.owners].sort().join(",");
    for (let i = this.history.length - 1; i >= 0; i--) {
      const { ring, factor } = this.history[i]!;
      const set = { owners: ring.replicaSet(key, factor), factor };
      if (!sets.some((s) => same(s, set))) sets.push(set);
    }
    return sets;
  }

  required(durability: Durability): number {
    return requiredCopies(durability, this.effectiveReplicationFactor());
  }
}
