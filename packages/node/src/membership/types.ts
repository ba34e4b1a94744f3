// The shape of a cluster member as membership, the ring and the gateway see it.

export type MemberState = "alive" | "suspect" | "dead" | "left";

/** What a node announces about itself; carried in gossip. */
export interface MemberInfo {
  id: string;
  /** Address other nodes reach it at. */
  host: string;
  gossipPort: number;
  httpPort: number;
  transferPort: number;
  /** Failure domain; replica sets prefer distinct zones when set. */
  zone?: string;
  /**
   * Relative capacity (the node's capacity in GB): scales its virtual nodes on the ring. 0 for a
   * storage-less gateway, which owns nothing.
   */
  weight: number;
  /** The node's store is full: it keeps what it holds but takes no new chunks (placement passes it over). */
  full?: boolean;
  /**
   * Present only while the node has not reached its cluster (membership/join-gate.ts): the digest of its
   * founding set (its seeds and itself). Peers do not take such a member as proof that they have joined;
   * newcomers with the same founding set may found a cluster together.
   */
  joining?: string;
  /**
   * The manifest ring (Placement.ringVersion) this node has pulled every arc it owns in from the arcs' previous
   * owners (replication/ring-sync-plan.ts): once every owner of the current ring announces it, the rings it replaced
   * stop counting for manifest quorums. Absent on a node that has not finished such a pass, or an older one.
   */
  ringSynced?: string;
}

export interface Member extends MemberInfo {
  state: MemberState;
  incarnation: number;
  /** Local clock (ms) when this node last saw the state change. */
  stateChangedAt: number;
}

export interface MemberChange {
  member: Member;
  previous: MemberState | undefined;
}

/** A peer claimed this node suspect or dead, and this node refuted it by raising its incarnation. */
export interface Refutation {
  claimed: "suspect" | "dead" | "left";
  /** The incarnation the claim was about. */
  incarnation: number;
  /** Who first suspected us, when the claim says. */
  suspectedBy?: string;
}

/**
 * What a peer's word says about this node: "ok" after a full state (push-pull) that does not call it left,
 * "forgotten" when a peer calls it left (an operator or DEAD_MEMBER_TIMEOUT forgot it, or it left before).
 */
export type SelfReport = "ok" | "forgotten";

/** The members that own data: alive or suspect (a suspect may still answer). */
export function isRingMember(m: Pick<Member, "state">): boolean {
  return m.state === "alive" || m.state === "suspect";
}

/** A member that stores chunks (weight above 0); a storage-less gateway forwards reads and writes only. */
export function storesChunks(m: Pick<MemberInfo, "weight">): boolean {
  return m.weight > 0;
}

/** Base URL of a member's HTTP gateway (IPv6 hosts bracketed). */
export function httpBase(m: Pick<MemberInfo, "host" | "httpPort">): string {
  return `http://${m.host.includes(":") ? `[${m.host}]` : m.host}:${m.httpPort}`;
}
