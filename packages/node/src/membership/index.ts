// Cluster membership: who is in the cluster and in what state (SWIM over UDP).
export * from "./types.ts";
export * from "./address.ts";
export * from "./messages.ts";
export * from "./member-record.ts";
export * from "./swim-config.ts";
export * from "./swim.ts";
export { BroadcastQueue } from "./broadcast-queue.ts";
export { UdpTransport, type DatagramHandler } from "./udp-transport.ts";
export { Membership, type MembershipInit, type MembershipComponents, type MemberChangeListener } from "./membership.ts";
