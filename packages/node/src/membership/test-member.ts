// A Member with placeholder addresses, for unit tests of code that only looks at ids and states.
import type { Member, MemberState } from "./types.ts";

export function testMember(id: string, state: MemberState = "alive"): Member {
  return { id, host: "127.0.0.1", gossipPort: 1, httpPort: 2, transferPort: 3, weight: 1, state, incarnation: 0, stateChangedAt: 0 };
}
