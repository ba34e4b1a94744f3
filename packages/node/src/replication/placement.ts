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

/** Owner sets that each must hold a quorum, and whether a set of holders does (joint quorums). */
export function quorumInEach(sets: readonly (readonly string[])[], r: number, holds: (id: string) => boolean): boolean {
  return sets.every((set) => set.filter(holds).length >= r);
}

/** The fewest holders any of the sets has. */
export function fewestInAny(sets: readonly (readonly string[])[], holds: (id: string) => boolean): number {
  return Math.min(...sets.map((set) => set.filter(holds).length));
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
  /** Rings replaced within the settle window, newest last. */
  private history: Array<{ ring: Ring; replacedAt: number }> = [];
  private byId = new Map<string, Member>();
  private ringKey = "";
  private all: readonly Member[] = [];
  /** Members kept off the ring though still reachable: this node while it hands off and leaves. */
  private excluded = new Set<string>();

  constructor(
    readonly replicationFactor: number,
    private readonly hash: Hash64,
    private readonly vnodesPerMember: number,
    private readonly settle: PlacementSettle = { ms: 0, now: () => 0 },
  ) {
    this.ringValue = new Ring([], hash, vnodesPerMember);
  }

  get ring(): Ring {
    return this.ringValue;
  }

  /** Replaces the member list; returns the previous ring when the ring itself changed. */
  update(members: readonly Member[]): Ring | undefined {
    this.all = members;
    this.byId = new Map(members.map((m) => [m.id, m]));
    const ringMembers = members.filter((m) => isRingMember(m) && !this.excluded.has(m.id));
    const key = ringMembers
      .map((m) => `${m.id}/${m.weight}/${m.zone ?? ""}`)
      .sort()
      .join(",");
    if (key === this.ringKey) return undefined;
    const previous = this.ringValue;
    if (this.settle.ms > 0 && previous.size > 0) this.history.push({ ring: previous, replacedAt: this.settle.now() });
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
  manifestOwnerSets(path: string): string[][] {
    const key = manifestKey(path);
    const n = this.effectiveReplicationFactor();
    const sets = [this.ringValue.replicaSet(key, n)];
    const since = this.settle.now() - this.settle.ms;
    this.history = this.history.filter((h) => h.replacedAt >= since);
    for (let i = this.history.length - 1; i >= 0; i--) {
      const set = this.history[i]!.ring.replicaSet(key, n);
      const sorted = [...set].sort().join(",");
      if (!sets.some((s) => [...s].sort().join(",") === sorted)) sets.push(set);
    }
    return sets;
  }

  required(durability: Durability): number {
    return requiredCopies(durability, this.effectiveReplicationFactor());
  }
}
