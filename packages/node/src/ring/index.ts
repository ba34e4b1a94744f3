export { DEFAULT_VNODES_PER_MEMBER, Ring, type RingMember, type Hash64, type VirtualNode } from "./ring.ts";
export { loadHash64 } from "./hash.ts";
