// Whether a node given seeds has reached its cluster, and so may count its peers toward a quorum (pure).
// Meeting any live peer is not enough: two newcomers cut off from their seeds, one seeded with the other,
// would form a cluster of two and acknowledge writes the real cluster never sees (simulator seed 1057).

import { createHash } from "node:crypto";
import type { Address } from "./address.ts";
import { memberAddress } from "./member-record.ts";
import type { Member } from "./types.ts";

export interface JoinGateInit {
  /** This node's gossip address as it announces it. */
  self: Address;
  /**
   * SEEDS as configured (not the remembered peers), each as the addresses it stands for: as written, then
   * what its name resolved to (seed-addresses.ts). This node may be among them.
   */
  seeds: ReadonlyArray<readonly Address[]>;
  /** This node belonged to a joined cluster in an earlier run (it remembers a member that had joined). */
  joinedBefore: boolean;
}

/**
 * A node without seeds founds its cluster; one with seeds has joined once it has seen alive a member that
 * has joined (one that announces no `joining`), or, while nobody has, a strict majority of its founding set
 * (its seeds and itself) alive and announcing the same founding set. So nodes started together that list the
 * same seeds (or each other, or one of them itself) found their cluster as etcd's initial cluster does,
 * while newcomers whose seed lists differ wait for a member: n4 seeded with {n0, n3} and n3 seeded with {n0}
 * cannot serve as a cluster when n0 is out of reach. Once joined, always joined: a member that loses its
 * peers later is judged by quorums, not by this gate.
 */
export class JoinGate {
  private joined: boolean;
  /** Per member of the founding set, the addresses it may announce (self: its own address only). */
  private founders: Array<ReadonlySet<Address>> = [];
  private digest = "";

  constructor(private readonly init: JoinGateInit) {
    this.setSeeds(init.seeds);
    this.joined = init.joinedBefore || this.founders.length === 1;
  }

  /** True once this node has reached its cluster. */
  get reached(): boolean {
    return this.joined;
  }

  /** What this node announces while it has not joined: the digest of its founding set. */
  get founding(): string | undefined {
    return this.joined ? undefined : this.digest;
  }

  /** The seeds' addresses again (a name resolved since); true when the founding set's digest changed. */
  setSeeds(seeds: ReadonlyArray<readonly Address[]>): boolean {
    const self = this.init.self;
    // A seed is named by its smallest resolved address (else as written), so every node of the set that
    // resolves the same names computes the same digest; two entries for one node count once.
    const byName = new Map<Address, Set<Address>>([[self, new Set([self])]]);
    for (const addrs of seeds) {
      if (addrs.includes(self)) continue;
      const name = canonical(addrs);
      byName.set(name, new Set([...(byName.get(name) ?? []), ...addrs]));
    }
    this.founders = [...byName.values()];
    const before = this.digest;
    this.digest = createHash("sha256").update([...byName.keys()].sort().join("\n")).digest("hex").slice(0, 16);
    return before !== "" && before !== this.digest;
  }

  /** Looks at the member table; true when this call found the node joined (announce it once). */
  observe(members: Iterable<Member>): boolean {
    if (this.joined) return false;
    const alike = new Set<Address>();
    for (const m of members) {
      if (m.state !== "alive") continue;
      const addr = memberAddress(m);
      if (addr === this.init.self) continue;
      if (m.joining === undefined) return (this.joined = true);
      if (m.joining === this.digest) alike.add(addr);
    }
    let up = 1; // itself
    for (const addrs of this.founders.slice(1)) if ([...addrs].some((a) => alike.has(a))) up++;
    return (this.joined = up * 2 > this.founders.length);
  }
}

function canonical(addrs: readonly Address[]): Address {
  const resolved = addrs.slice(1).sort();
  return resolved[0] ?? addrs[0]!;
}

/**
 * Whether a node may count its peers toward a quorum: always without join targets (it founds its cluster);
 * else once it has reached its cluster and while some peer is alive (node-membership.ts, the simulator).
 */
export function mayCountPeers(gate: JoinGate, hasJoinTargets: boolean, members: Iterable<Member>, selfId: string): boolean {
  if (!hasJoinTargets) return true;
  if (!gate.reached) return false;
  for (const m of members) if (m.id !== selfId && m.state === "alive") return true;
  return false;
}

/** Whether a remembered member list shows this node was part of a joined cluster before (see JoinGateInit). */
export function joinedBefore(remembered: readonly Member[], selfId: string): boolean {
  return remembered.some((m) => m.id !== selfId && m.joining === undefined);
}
