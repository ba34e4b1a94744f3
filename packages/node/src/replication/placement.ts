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

export class Placement {
  private ringValue: Ring;
  private byId = new Map<string, Member>();
  private ringKey = "";
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
    return this.ringValue.replicaSet(`dir:${path === "" ? "" : parentOf(path)}`, this.effectiveReplicationFactor());
  }

  required(durability: Durability): number {
    return requiredCopies(durability, this.effectiveReplicationFactor());
  }
}
