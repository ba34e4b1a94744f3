// Which announcements a node acts on: a node of its own cluster, not itself, that membership does not
// already hold as a live member at that address. Pure, so the rules are tested without sockets.
import { isLoopbackHost } from "../util/loopback.ts";
import { formatAddress, type Address } from "../membership/address.ts";
import type { Announcement } from "./announcement.ts";

/** What membership knows about a node, as far as discovery cares. */
export interface KnownMember {
  id: string;
  host: string;
  gossipPort: number;
  state: "alive" | "suspect" | "dead" | "left";
}

export type Verdict =
  | { act: "join"; address: Address }
  | { act: "ignore"; reason: "self" | "duplicate-id" | "other-cluster" | "known" | "loopback" };

export interface VerdictContext {
  selfId: string;
  /** Our own gossip address, to tell our announcements from another node using our id. */
  selfAddress: Address;
  cluster: string;
  /** Source address of the datagram (the IP it came from). */
  sourceHost: string;
  members: readonly KnownMember[];
}

export { isLoopbackHost };

export function judgeAnnouncement(a: Announcement, ctx: VerdictContext): Verdict {
  // Our own announcements come back to us through multicast loop and broadcast. Our id at another
  // address is a second node with our id (a cloned disk image with its data dir): worth a warning.
  if (a.id === ctx.selfId) {
    const same = formatAddress(a.host, a.gossipPort) === ctx.selfAddress;
    return { act: "ignore", reason: same ? "self" : "duplicate-id" };
  }
  if (a.cluster !== ctx.cluster) return { act: "ignore", reason: "other-cluster" };
  // A node on another host that advertises loopback cannot be reached there; joining it would make us
  // gossip to our own loopback. It needs ADVERTISE_ADDRESS.
  if (isLoopbackHost(a.host) && !isLoopbackHost(ctx.sourceHost)) return { act: "ignore", reason: "loopback" };
  const address = formatAddress(a.host, a.gossipPort);
  const known = ctx.members.find((m) => m.id === a.id);
  // Dead or left members are worth contacting: the announcement says the node is up again, and the
  // state exchange lets it refute. A changed address is news too.
  const live = known && (known.state === "alive" || known.state === "suspect");
  if (live && formatAddress(known.host, known.gossipPort) === address) return { act: "ignore", reason: "known" };
  return { act: "join", address };
}
