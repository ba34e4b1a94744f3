// Consistent hash ring with virtual nodes. Pure and deterministic: the replica set of a key is a
// function of (members, key) only, so every node that agrees on membership agrees on placement.
import { memberPositions, sortPoints, vnodeCounts } from "./vnodes.ts";

export interface RingMember {
  id: string;
  /**
   * Relative capacity: a member of the mean weight gets `vnodesPerMember` virtual nodes, others in
   * proportion (ring/vnodes.ts). Weight 0: not on the ring (a storage-less gateway).
   */
  weight: number;
  zone?: string;
  /** The member's store is full: replica sets pass over it (it keeps what it holds; see replicaSet). */
  full?: boolean;
}

/** 64-bit hash of a string (xxhash64 in production; see ring/hash.ts). */
export type Hash64 = (input: string) => bigint;

export interface VirtualNode {
  member: string;
  position: bigint;
}

/**
 * Virtual nodes for a member of mean weight. 768 keeps the busiest of 100 equal members within 10% of
 * the mean number of copies (ring.test.ts measures it; 128 gave ~16%), and a rebuild at 100 members stays
 * in the tens of milliseconds.
 */
export const DEFAULT_VNODES_PER_MEMBER = 768;

export class Ring {
  private positions!: BigUint64Array;
  /** Per virtual node, an index into memberIds. */
  private ownerIndex!: Uint32Array;
  private zones!: ReadonlyArray<string | undefined>;
  private full!: ReadonlySet<string>;
  private hash!: Hash64;
  /** Members on the ring (weight > 0), sorted; full members included. */
  memberIds!: readonly string[];

  constructor(members: readonly RingMember[], hash: Hash64, vnodesPerMember = DEFAULT_VNODES_PER_MEMBER) {
    const counts = vnodeCounts(members, vnodesPerMember);
    const ids = [...counts.keys()].sort();
    const byId = new Map<string, RingMember>();
    for (const m of members) if (!byId.has(m.id)) byId.set(m.id, m);
    const points = sortPoints(ids.map((id) => memberPositions(hash, id, counts.get(id)!)));
    this.init(hash, ids, points.positions, points.owners, ids.map((id) => byId.get(id)!.zone), new Set(ids.filter((id) => byId.get(id)!.full)));
  }

  /** The same ring with another set of full members: shares the virtual nodes, so it costs no rebuild. */
  withFull(full: Iterable<string>): Ring {
    const ring = Object.create(Ring.prototype) as Ring;
    const onRing = new Set(this.memberIds);
    ring.init(this.hash, this.memberIds, this.positions, this.ownerIndex, this.zones, new Set([...full].filter((id) => onRing.has(id))));
    return ring;
  }

  private init(
    hash: Hash64,
    ids: readonly string[],
    positions: BigUint64Array,
    ownerIndex: Uint32Array,
    zones: ReadonlyArray<string | undefined>,
    full: ReadonlySet<string>,
  ): void {
    this.hash = hash;
    this.memberIds = ids;
    this.positions = positions;
    this.ownerIndex = ownerIndex;
    this.zones = zones;
    this.full = full;
  }

  get size(): number {
    return this.memberIds.length;
  }

  /** How many members on the ring are full. */
  get fullCount(): number {
    return this.full.size;
  }

  /** Members on the ring whose store is full, sorted. */
  fullMembers(): string[] {
    return this.memberIds.filter((id) => this.full.has(id));
  }

  isFull(id: string): boolean {
    return this.full.has(id);
  }

  /** On the ring and not full: the member takes new copies. */
  takesCopies(id: string): boolean {
    return !this.full.has(id) && this.memberIds.includes(id);
  }

  /** The sorted positions and, per position, its member's index in memberIds (read-only views, no copy). */
  points(): { positions: BigUint64Array; owners: Uint32Array } {
    return { positions: this.positions, owners: this.ownerIndex };
  }

  /**
   * For each of `members`, the first of its virtual nodes at or clockwise after `position`: the one a
   * replica-set walk from there reaches it by (the web UI draws a chunk's lines to them). Members not on
   * the ring are left out; the walk stops once every member is found, so it is short for a chunk's owners.
   */
  reachedAt(position: bigint, members: readonly string[]): Map<string, bigint> {
    const want = new Set(members.map((id) => this.memberIds.indexOf(id)).filter((i) => i >= 0));
    const found = new Map<string, bigint>();
    const total = this.positions.length;
    const start = total === 0 ? 0 : this.successor(position);
    for (let step = 0; step < total && found.size < want.size; step++) {
      const index = this.ownerIndex[(start + step) % total]!;
      const id = this.memberIds[index]!;
      if (want.has(index) && !found.has(id)) found.set(id, this.positions[(start + step) % total]!);
    }
    return found;
  }

  virtualNodes(): VirtualNode[] {
    return Array.from(this.ownerIndex, (m, i) => ({ member: this.memberIds[m]!, position: this.positions[i]! }));
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
   * Full members are passed over (the next member takes the place), unless `includeFull`: the set
   * the key would have if no member were full.
   */
  replicaSet(key: string, n: number, opts: { includeFull?: boolean } = {}): string[] {
    return this.replicaSetAt(this.hash(key), n, opts);
  }

  /** replicaSet for a position on the circle rather than a key. */
  replicaSetAt(position: bigint, n: number, opts: { includeFull?: boolean } = {}): string[] {
    const total = this.positions.length;
    if (total === 0 || n <= 0) return [];
    const skipFull = !opts.includeFull && this.full.size > 0;
    const want = Math.min(n, this.memberIds.length - (skipFull ? this.full.size : 0));
    if (want <= 0) return [];
    const picked: string[] = [];
    const seen = new Set<number>();
    const usedZones = new Set<string>();
    const deferred: string[] = [];
    const start = this.successor(position);
    for (let step = 0; step < total && picked.length < want; step++) {
      const index = this.ownerIndex[(start + step) % total]!;
      if (seen.has(index)) continue;
      seen.add(index);
      const member = this.memberIds[index]!;
      if (skipFull && this.full.has(member)) continue;
      const zone = this.zones[index];
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
