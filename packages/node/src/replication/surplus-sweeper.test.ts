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
function sweeper(owners: (id: string) => string[], opts: { deleted?: string[]; factorUnknown?: (id: string) => boolean; clock?: ManualClock } = {}) {
  const store = {
    ids: (after?: string, limit = 1000) => ids.filter((id) => after === undefined || id > after).slice(0, limit),
    delete: async (id: string) => void opts.deleted?.push(id),
  } as unknown as ChunkStorage;
  const placement = { owners, keepers: owners, member: () => ({ id: "n2", state: "alive" }) } as unknown as Placement;
  const rpc = { call: async (_id: string, _m: string, r: { ids: string[] }) => r.ids.map(() => true) } as unknown as PeerRpc;
  return new SurplusSweeper({ graceMs: 60_000, intervalMs: 100, pageSize: 2 }, {
    selfId: "n1",
    placement,
    store,
    rpc,
    queue: new MemoryReplicationQueue(),
    log,
    clock: opts.clock ?? new ManualClock(),
    factorUnknown: opts.factorUnknown,
  });
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

test("a copy whose factor this node cannot tell yet (no file here references it, folders have factors) is never taken for surplus", async () => {
  const clock = new ManualClock();
  const deleted: string[] = [];
  // Chunks 1 and 3 are surplus under the cluster's factor; no file here references chunk 3 yet.
  const s = sweeper((id) => (id === ids[1] || id === ids[3] ? ["n2", "n3"] : ["n1", "n2"]), { deleted, clock, factorUnknown: (id) => id === ids[3] });
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 3; i++) await s.pass();
    await clock.advance(61_000);
  }
  for (let i = 0; i < 3; i++) await s.pass();
  expect(deleted).toEqual([ids[1]!]);
});
