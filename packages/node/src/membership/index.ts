// Cluster membership: who is in the cluster and in what state (SWIM over UDP).
// The simulator (sim-network.ts) is test support and deliberately not exported here.
export * from "./types.ts";
export * from "./address.ts";
export * from "./messages.ts";
export * from "./member-record.ts";
export * from "./swim-config.ts";
export * from "./swim.ts";
export { BroadcastQueue } from "./broadcast-queue.ts";
export { MemberTable } from "./member-table.ts";
export { ProbeRound } from "./probe-round.ts";
export { Suspicion } from "./suspicion.ts";
export { UdpTransport, type DatagramHandler } from "./udp-transport.ts";
export { Membership, type MembershipInit, type MembershipComponents, type MemberChangeListener } from "./membership.ts";
