// Consistent hash ring with virtual nodes. Pure and deterministic: the replica set of a key is a
// function of (members, key) only, so every node that agrees on membership agrees on placement.

export interface RingMember {
  id: string;
  /** Relative capacity; a member gets round(vnodesPerMember * weight) virtual nodes (at least 1). */
  weight: number;
  zone?: string;
}

/** 64-bit hash of a string (xxhash64 in production; see ring/hash.ts). */
export type Hash64 = (input: string) => bigint;

export interface VirtualNode {
  member: string;
  position: bigint;
}

export class Ring {
  private readonly positions: BigUint64Array;
  private readonly owners: string[];
  private readonly zones: Map<string, string | undefined>;
  readonly memberIds: readonly string[];

  constructor(
    members: readonly RingMember[],
    private readonly hash: Hash64,
    vnodesPerMember = 128,
  ) {
    const points: VirtualNode[] = [];
    this.zones = new Map();
    for (const m of members) {
      if (this.zones.has(m.id)) continue;
      this.zones.set(m.id, m.zone);
      const count = Math.max(1, Math.round(vnodesPerMember * m.weight));
      for (let i = 0; i < count; i++) points.push({ member: m.id, position: hash(`${m.id}#${i}`) });
    }
    // Ties on position (astronomically rare) are broken by member id so the order is still total.
    points.sort((a, b) =>
      a.position < b.position ? -1 : a.position > b.position ? 1 : a.member < b.member ? -1 : a.member > b.member ? 1 : 0,
    );
    this.positions = BigUint64Array.from(points, (p) => p.position);
    this.owners = points.map((p) => p.member);
    this.memberIds = [...this.zones.keys()].sort();
  }

  get size(): number {
    return this.memberIds.length;
  }

  virtualNodes(): VirtualNode[] {
    return this.owners.map((member, i) => ({ member, position: this.positions[i]! }));
  }

  /** Index of the first virtual node at or clockwise after `position`. */
  private successor(position: bigint): number {
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid]! < position) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.positions.length ? 0 : lo;
  }

  /** Where a key sits on the circle (the same hash the replica set walks from). */
  positionOf(key: string): bigint {
    return this.hash(key);
  }

  /**
   * The n distinct members clockwise of key's position, preferring members in zones not yet used;
   * when there are fewer zones than n, the remaining places go to the next members clockwise.
   */
  replicaSet(key: string, n: number): string[] {
    const total = this.positions.length;
    if (total === 0 || n <= 0) return [];
    const want = Math.min(n, this.memberIds.length);
    const picked: string[] = [];
    const seen = new Set<string>();
    const usedZones = new Set<string>();
    const deferred: string[] = [];
    const start = this.successor(this.hash(key));
    for (let step = 0; step < total && picked.length < want; step++) {
      const member = this.owners[(start + step) % total]!;
      if (seen.has(member)) continue;
      seen.add(member);
      const zone = this.zones.get(member);
      if (zone !== undefined) {
        if (usedZones.has(zone)) {
          deferred.push(member);
          continue;
        }
        usedZones.add(zone);
      }
      picked.push(member);
    }
    for (const member of deferred) {
      if (picked.length >= want) break;
      picked.push(member);
    }
    return picked;
  }
}
