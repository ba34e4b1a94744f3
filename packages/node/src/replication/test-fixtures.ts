// Test fixture: a write coordinator on member "a" of three in-memory members (MemoryNetwork), each with its
// own in-memory chunk store, for tests of what a write does with its copies and their buffers.
import { testMember } from "../membership/test-member.ts";
import type { Hash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { quiet } from "../rpc/peer-rpc.case.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { MemoryReplicationQueue } from "./memory-queue.ts";
import { Placement } from "./placement.ts";
import { WriteCoordinator } from "./write-coordinator.ts";

export function threeMemberCoordinator<S extends MemoryChunkStore>(
  h: Hash64,
  opts: { dataMs?: number; stragglerGraceMs?: number; newStore: () => S },
) {
  const net = new MemoryNetwork({ connectMs: 1000, dataMs: opts.dataMs ?? 5000, controlMs: 1000 });
  const members = ["a", "b", "c"];
  const stores = Object.fromEntries(members.map((id) => [id, opts.newStore()]));
  const rpcs = Object.fromEntries(members.map((id) => [id, net.register(id, { store: stores[id]!, handlers: {} })]));
  const placement = new Placement(3, h, 16);
  placement.update(members.map((m) => testMember(m)));
  const coordinator = new WriteCoordinator(
    { stragglerGraceMs: opts.stragglerGraceMs ?? 10, retryBaseMs: 100 },
    { selfId: "a", placement, rpc: rpcs.a!, ownStore: stores.a!, queue: new MemoryReplicationQueue(), log: quiet },
  );
  return { net, stores, rpcs, coordinator };
}
