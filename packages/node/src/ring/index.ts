export { Ring, type RingMember, type Hash64, type VirtualNode } from "./ring.ts";
export { loadHash64 } from "./hash.ts";
