// What a member's record means: its gossip address, SWIM's precedence between (state, incarnation)
// claims, and the conversions between a stored Member and the MemberUpdate gossiped about it.
import { formatAddress, type Address } from "./address.ts";
import type { MemberUpdate } from "./messages.ts";
import type { Member, MemberInfo, MemberState } from "./types.ts";

export function memberAddress(m: Pick<MemberInfo, "host" | "gossipPort">): Address {
  return formatAddress(m.host, m.gossipPort);
}

/** SWIM precedence: does `incoming` (state, incarnation) about a member override what we hold? */
export function overrides(
  incoming: { state: MemberState; incarnation: number },
  current: { state: MemberState; incarnation: number },
): boolean {
  const i = incoming.incarnation;
  const j = current.incarnation;
  switch (incoming.state) {
    case "alive":
      return i > j;
    case "suspect":
      return current.state === "alive" ? i >= j : current.state === "suspect" && i > j;
    case "dead":
      return current.state === "alive" || current.state === "suspect" ? i >= j : current.state === "dead" && i > j;
    case "left":
      return current.state === "left" ? i > j : i >= j;
  }
}

export function sameInfo(a: MemberInfo, b: MemberInfo): boolean {
  return (
    a.host === b.host &&
    a.gossipPort === b.gossipPort &&
    a.httpPort === b.httpPort &&
    a.transferPort === b.transferPort &&
    a.zone === b.zone &&
    a.weight === b.weight &&
    (a.full ?? false) === (b.full ?? false) &&
    a.joining === b.joining &&
    a.ringSynced === b.ringSynced
  );
}

/** Same address and ports: the part of a member's record only the member itself may change. */
export function sameAddress(a: MemberInfo, b: MemberInfo): boolean {
  return a.host === b.host && a.gossipPort === b.gossipPort && a.httpPort === b.httpPort && a.transferPort === b.transferPort;
}

/** What a member announces about itself; optional fields only when set, so records compare and encode alike. */
export function infoOf(u: MemberInfo): MemberInfo {
  const { id, host, gossipPort, httpPort, transferPort, zone, weight, full, joining, ringSynced } = u;
  const info: MemberInfo = { id, host, gossipPort, httpPort, transferPort, weight };
  if (zone !== undefined) info.zone = zone;
  if (full) info.full = true;
  if (joining) info.joining = joining;
  if (ringSynced) info.ringSynced = ringSynced;
  return info;
}

export function toUpdate(m: Member): MemberUpdate {
  return { ...infoOf(m), state: m.state, incarnation: m.incarnation };
}

/** Members we probe and gossip with: a suspect may still answer and refute. */
export const probeable = (m: Pick<Member, "state">): boolean => m.state === "alive" || m.state === "suspect";
