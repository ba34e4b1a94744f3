export { DEFAULT_VNODES_PER_MEMBER, Ring, type RingMember, type Hash64, type VirtualNode } from "./ring.ts";
export { loadHash64 } from "./hash.ts";
export { MAX_ARCS, MAX_TICKS, RING_UNITS, summarizeRing, type MemberRing, type OffRingMember, type RingSummary } from "./ring-summary.ts";
export { memberPositions, vnodeCounts } from "./vnodes.ts";
