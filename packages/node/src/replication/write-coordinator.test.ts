// The write coordinator's copies: its own goes to the local store without a second SHA-256 (putSelfHashed, the
// chunker hashed those bytes), the peers' over the wire to put(), which verifies; a peer cannot reach the former.
import { beforeAll, describe, expect, test } from "bun:test";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { randomChunk } from "../store/chunk-store.case.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { threeMemberCoordinator } from "./test-fixtures.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

/** Counts which entry point each copy came through. */
class CountingStore extends MemoryChunkStore {
  puts = 0;
  selfHashed = 0;

  override put(id: string, data: Uint8Array) {
    this.puts++;
    return super.put(id, data);
  }

  override putSelfHashed(id: string, data: Uint8Array) {
    this.selfHashed++;
    return super.putSelfHashed(id, data);
  }
}

const threeMembers = () =>
  threeMemberCoordinator(h, { stragglerGraceMs: 1000, newStore: () => new CountingStore({ maxChunkSize: 1 << 20 }) });

describe("WriteCoordinator copies", () => {
  for (const durability of ["all", "quorum", "fast"] as const) {
    test(`at ${durability}: its own copy is installed unhashed, every peer's copy is verified`, async () => {
      const { stores, coordinator } = threeMembers();
      const c = randomChunk(64 * 1024);
      const result = await coordinator.writeChunk(c.id, c.data, durability);
      expect(result.copies).toContain("a");
      expect(stores.a!.selfHashed).toBe(1);
      expect(stores.a!.puts).toBe(0);
      expect(await stores.a!.get(c.id)).toEqual(c.data);
      for (const peer of result.copies.filter((m) => m !== "a")) {
        expect(stores[peer]!.puts).toBe(1);
        expect(stores[peer]!.selfHashed).toBe(0);
      }
    });
  }

  test("a peer's chunk.put to this node is verified: bytes that do not match their id are refused", async () => {
    const { stores, rpcs } = threeMembers();
    const c = randomChunk(4096);
    const wrongId = randomChunk(16).id;
    await expect(rpcs.b!.call("a", "chunk.put", { chunkId: wrongId, data: c.data })).rejects.toMatchObject({ code: "hash_mismatch" });
    expect(stores.a!.has(wrongId)).toBe(false);
    expect(stores.a!.selfHashed).toBe(0);
    expect(stores.a!.puts).toBe(1);
  });
});
