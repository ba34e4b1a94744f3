// Where chunks live right now: the ring over the members that store chunks (alive + suspect, weight > 0),
// with full members passed over for new copies; the effective replication factor, and how many durable
// copies each durability level needs. Pure: no I/O.
import { parentOf } from "../metadata/path.ts";
import { isRingMember, storesChunks, type Member } from "../membership/types.ts";
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

export class Placement {
  private ringValue: Ring;
  private byId = new Map<string, Member>();
  /** What the ring's virtual nodes depend on (ids, weights, zones); fullness is applied on top. */
  private layoutKey = "";
  private fullKey = "";
  private all: readonly Member[] = [];
  /** Members kept off the ring though still reachable: this node while it hands off and leaves. */
  private excluded = new Set<string>();

  constructor(
    readonly replicationFactor: number,
    private readonly hash: Hash64,
    private readonly vnodesPerMember: number,
  ) {
    this.ringValue = new Ring([], hash, vnodesPerMember);
  }

  get ring(): Ring {
    return this.ringValue;
  }

  /**
   * Replaces the member list; returns the previous ring when placement changed: a member joined or left the
   * ring, changed weight or zone, or became full or had room again.
   */
  update(members: readonly Member[]): Ring | undefined {
    this.all = members;
    this.byId = new Map(members.map((m) => [m.id, m]));
    const ringMembers = members.filter((m) => isRingMember(m) && storesChunks(m) && !this.excluded.has(m.id));
    const layoutKey = ringMembers
      .map((m) => `${m.id}/${m.weight}/${m.zone ?? ""}`)
      .sort()
      .join(",");
    const full = ringMembers.filter((m) => m.full).map((m) => m.id).sort();
    const fullKey = full.join(",");
    if (layoutKey === this.layoutKey && fullKey === this.fullKey) return undefined;
    const previous = this.ringValue;
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
   * The replication factor the cluster can have: members that left gracefully no longer count, dead ones
   * still do (a lone survivor of three must not acknowledge a quorum write alone), full ones do (they hold
   * copies and will have room again); storage-less gateways never do.
   */
  effectiveReplicationFactor(): number {
    let known = 0;
    for (const m of this.byId.values()) if (m.state !== "left" && storesChunks(m) && !this.excluded.has(m.id)) known++;
    return Math.max(1, Math.min(this.replicationFactor, known));
  }

  /**
   * Owner ids of a chunk: up to N distinct ring members clockwise of it, full members passed over. These
   * take every new copy; a queue row, a placement check, anti-entropy and hand-off all aim at them.
   */
  owners(chunkId: string): string[] {
    return this.ringValue.replicaSet(chunkId, this.effectiveReplicationFactor());
  }

  /**
   * The members that may keep a copy of a chunk: its owners plus the full members it passed over. A node
   * that filled up keeps what it holds (the sweeper leaves those copies alone, reads still find them), but
   * nothing new is sent to it.
   */
  keepers(chunkId: string): string[] {
    const owners = this.owners(chunkId);
    if (this.ringValue.fullCount === 0) return owners;
    const natural = this.ringValue.replicaSet(chunkId, this.effectiveReplicationFactor(), { includeFull: true });
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
    return this.ringValue.replicaSet(`dir:${path === "" ? "" : parentOf(path)}`, this.effectiveReplicationFactor(), { includeFull: true });
  }

  /** Identifies the placement two nodes compute with (chunk anti-entropy compares only under equal ones). */
  fingerprint(): string {
    const key = `${this.layoutKey}|${this.fullKey}`;
    return `${this.effectiveReplicationFactor()}:${this.ringValue.size}:${this.hash(key).toString(16)}`;
  }

  required(durability: Durability): number {
    return requiredCopies(durability, this.effectiveReplicationFactor());
  }
}
