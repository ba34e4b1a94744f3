// Chunk anti-entropy among twelve nodes over the in-memory peer RPC: a round compares with a bounded number of
// co-owners, the next ones each time, and a copy a co-owner lacks is still found within a few rounds.
import { beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { testMember } from "../membership/test-member.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import type { Method } from "../rpc/methods.ts";
import { quiet } from "../rpc/peer-rpc.case.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { ChunkAntiEntropy, PEERS_PER_ROUND } from "./chunk-anti-entropy.ts";
import { MemoryReplicationQueue } from "./memory-queue.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const ids = Array.from({ length: 12 }, (_, i) => `n${String(i).padStart(2, "0")}`);

function ring(): Placement {
  const placement = new Placement(3, h, 16);
  placement.update(ids.map((m) => testMember(m)));
  return placement;
}

function cluster() {
  const net = new MemoryNetwork();
  const calls: Array<{ from: string; to: string; method: Method }> = [];
  const nodes = new Map<string, { ae: ChunkAntiEntropy; store: MemoryChunkStore; queue: MemoryReplicationQueue }>();
  for (const id of ids) {
    const placement = ring();
    const store = new MemoryChunkStore({ maxChunkSize: 1024 });
    const queue = new MemoryReplicationQueue();
    let ae: ChunkAntiEntropy | undefined;
    const inner = net.register(id, {
      store,
      handlers: { "chunks.digests": (from) => ae!.digestsFor(from), "chunks.ids": (from, body) => ({ ids: ae!.idsFor(from, body.ranges) }) },
    });
    const rpc = Object.assign(Object.create(inner), {
      call: (to: string, method: Method, body: never) => {
        calls.push({ from: id, to, method });
        return inner.call(to, method, body);
      },
    });
    ae = new ChunkAntiEntropy(60_000, { selfId: id, placement, store, queue, rpc, log: quiet });
    nodes.set(id, { ae, store, queue });
  }
  return { nodes, calls };
}

test("a round compares with at most PEERS_PER_ROUND co-owners, the next ones each round, all of them in turn", async () => {
  const { nodes, calls } = cluster();
  const a = nodes.get("n00")!;
  const asked: string[][] = [];
  for (let round = 0; round < 3; round++) {
    calls.length = 0;
    await a.ae.round();
    asked.push(calls.filter((c) => c.from === "n00" && c.method === "chunks.digests").map((c) => c.to));
  }
  expect(PEERS_PER_ROUND).toBeLessThan(ids.length - 1);
  for (const turn of asked) {
    expect(turn.length).toBe(PEERS_PER_ROUND);
    expect(new Set(turn).size).toBe(PEERS_PER_ROUND);
  }
  // Two rounds reach all eleven others; the third goes on where the second stopped.
  expect(new Set([...asked[0]!, ...asked[1]!])).toEqual(new Set(ids.slice(1)));
  const others = ids.slice(1);
  expect(asked[2]![0]).toBe(others[(others.indexOf(asked[1]!.at(-1)!) + 1) % others.length]);
});

test("a copy a co-owner lacks is queued within ⌈(N - 1) / PEERS_PER_ROUND⌉ rounds of the node that holds it", async () => {
  const { nodes } = cluster();
  const placement = ring();
  // A chunk whose owners include n00 but whose other owners come late in id order (the last round reaches them).
  let data: Uint8Array | undefined;
  let id = "";
  let owners: string[] = [];
  for (let i = 0; ; i++) {
    data = new TextEncoder().encode(`chunk ${i}`);
    id = createHash("sha256").update(data).digest("hex");
    owners = placement.owners(id);
    if (owners.includes("n00") && owners.filter((o) => o !== "n00").every((o) => o > ids[PEERS_PER_ROUND]!)) break;
  }
  const a = nodes.get("n00")!;
  await a.store.put(id, data);
  const lacking = owners.filter((o) => o !== "n00");
  const queued = () => a.queue.due(Number.MAX_SAFE_INTEGER, 100).map((row) => `${row.chunkId}>${row.target}`).sort();
  await a.ae.round();
  expect(queued()).toEqual([]); // the first round's co-owners were others
  for (let r = 1; r < Math.ceil((ids.length - 1) / PEERS_PER_ROUND); r++) await a.ae.round();
  expect(queued()).toEqual(lacking.map((o) => `${id}>${o}`).sort());
});
