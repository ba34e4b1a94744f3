import { expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { MemoryReplicationQueue } from "./memory-queue.ts";
import type { Placement } from "./placement.ts";
import { SurplusSweeper } from "./surplus-sweeper.ts";

const log: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const ids = Array.from({ length: 5 }, (_, i) => String(i).repeat(64));

/** A sweeper over five local chunks, two to a page; `owners` says who owns each now. */
function sweeper(owners: (id: string) => string[]) {
  const store = {
    ids: (after?: string, limit = 1000) => ids.filter((id) => after === undefined || id > after).slice(0, limit),
    delete: async () => {},
  } as unknown as ChunkStorage;
  const placement = { owners, keepers: owners, member: () => ({ id: "n2", state: "alive" }) } as unknown as Placement;
  const rpc = { call: async (_id: string, _m: string, r: { ids: string[] }) => r.ids.map(() => true) } as unknown as PeerRpc;
  return new SurplusSweeper({ graceMs: 60_000, intervalMs: 100, pageSize: 2 }, { selfId: "n1", placement, store, rpc, queue: new MemoryReplicationQueue(), log, clock: new ManualClock() });
}

test("a whole way round the store without a surplus copy is quiet; one that found one, or is half done, is not", async () => {
  const owned = sweeper(() => ["n1", "n2"]);
  expect([await owned.pass(), await owned.pass(), await owned.pass()]).toEqual([undefined, undefined, "quiet"]);
  expect(await owned.pass()).toBeUndefined(); // the next way round begins

  const surplus = sweeper((id) => (id === ids[2] ? ["n2", "n3"] : ["n1", "n2"]));
  expect([await surplus.pass(), await surplus.pass(), await surplus.pass()]).toEqual([undefined, undefined, undefined]);
  expect(surplus.pending).toBe(1); // still within its grace period: the next way round is not quiet either
  await surplus.pass();
  await surplus.pass();
  expect(await surplus.pass()).toBeUndefined();
});
