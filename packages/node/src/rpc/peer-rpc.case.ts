// The conformance suite every PeerRpc implementation passes (network-rpc.test.ts, memory-rpc.test.ts):
// addressing by member id, chunk and JSON calls, validation on both ends, typed failures, timeouts,
// and callMany's quorum-then-grace.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import { ChunkStore } from "../store/chunk-store.ts";
import { openDatabase } from "../store/db.ts";
import type { JsonHandlers } from "./methods.ts";
import type { PeerRpc } from "./peer-rpc.ts";

export const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
export const MEMBERS = ["a", "b", "c"] as const;
export type MemberId = (typeof MEMBERS)[number];

export interface RpcFixture {
  /** Member a's view of the cluster. */
  rpc: PeerRpc;
  /** Calls to this member fail to connect from now on. */
  setDown(id: MemberId): Promise<void>;
  /** This member accepts calls and never answers them. */
  setHung(id: MemberId): Promise<void>;
  close(): Promise<void>;
}

export interface RpcFixtureInput {
  stores: Record<MemberId, ChunkStorage>;
  handlers: Record<MemberId, JsonHandlers>;
}

/** Real chunk stores in temp dirs for the three members (the subject here is the RPC, not the store). */
export function tempStores(): { stores: Record<MemberId, ChunkStore>; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "orrery-rpc-"));
  const dbs = MEMBERS.map((id) => openDatabase(join(root, `${id}.db`)));
  const stores = Object.fromEntries(
    MEMBERS.map((id, i) => [id, new ChunkStore({ dir: join(root, id), db: dbs[i]!, maxChunkSize: 1024 * 1024 }, { log: quiet })]),
  ) as Record<MemberId, ChunkStore>;
  return { stores, cleanup: () => { for (const db of dbs) db.close(); rmSync(root, { recursive: true, force: true }); } };
}

const chunk = (text: string) => {
  const data = new TextEncoder().encode(text);
  return { data, id: Bun.CryptoHasher.hash("sha256", data, "hex") as string };
};

export function runPeerRpcConformance(name: string, make: (input: RpcFixtureInput) => Promise<RpcFixture>): void {
  describe(`PeerRpc conformance: ${name}`, () => {
    let fx: RpcFixture;
    let temp: ReturnType<typeof tempStores>;
    const seen: Array<{ at: MemberId; from: string; paths: string[] }> = [];

    beforeEach(async () => {
      temp = tempStores();
      seen.length = 0;
      const handlersFor = (at: MemberId): JsonHandlers => ({
        "manifests.push": (from, body) => {
          seen.push({ at, from, paths: body.entries.map((e) => e.path) });
          return { applied: body.entries.length, versions: body.entries.map((e) => e.version) };
        },
        "chunks.ids": () => ({ ids: [] }),
        // A broken member: its answer does not match the method's schema.
        "node.status": () => ({ status: "fine" }) as never,
      });
      fx = await make({ stores: temp.stores, handlers: { a: handlersFor("a"), b: handlersFor("b"), c: handlersFor("c") } });
    });
    afterEach(async () => {
      await fx.close();
      temp.cleanup();
    });

    test("chunks: put, has and get by member id; a missing chunk is not_found", async () => {
      const c = chunk("hello from a");
      await fx.rpc.call("b", "chunk.put", { chunkId: c.id, data: c.data });
      expect(temp.stores.b.has(c.id)).toBe(true);
      expect(await fx.rpc.call("b", "chunk.has", { ids: [c.id, chunk("nope").id] })).toEqual([true, false]);
      expect(new TextDecoder().decode(await fx.rpc.call("b", "chunk.get", { chunkId: c.id }))).toBe("hello from a");
      await expect(fx.rpc.call("b", "chunk.get", { chunkId: chunk("absent").id })).rejects.toMatchObject({ code: "not_found" });
    });

    test("a call to the node itself runs its own handlers", async () => {
      const c = chunk("local");
      await fx.rpc.call("a", "chunk.put", { chunkId: c.id, data: c.data });
      expect(temp.stores.a.has(c.id)).toBe(true);
      expect(temp.stores.b.has(c.id)).toBe(false);
      await fx.rpc.call("a", "manifests.push", { entries: [] });
      expect(seen).toEqual([{ at: "a", from: "a", paths: [] }]);
    });

    test("JSON calls carry the caller's id; requests are validated before any handler sees them", async () => {
      expect(await fx.rpc.call("c", "manifests.push", { entries: [] })).toEqual({ applied: 0, versions: [] });
      expect(seen).toEqual([{ at: "c", from: "a", paths: [] }]);
      await expect(fx.rpc.call("c", "chunks.ids", { ring: "r", ranges: [999] })).rejects.toMatchObject({ code: "bad_request" });
      await expect(fx.rpc.call("c", "manifests.push", { entries: [{ path: "../etc/passwd" }] } as never)).rejects.toMatchObject({ code: "bad_request" });
      // A method the peer does not serve.
      await expect(fx.rpc.call("c", "keys.list", {})).rejects.toMatchObject({ code: "unknown_method" });
      expect(seen.length).toBe(1);
    });

    test("answers are validated too: a member answering nonsense is a protocol failure", async () => {
      await expect(fx.rpc.call("b", "node.status", {})).rejects.toMatchObject({ code: "protocol" });
    });

    test("typed failures: unknown member, a member that is down, one that never answers", async () => {
      await expect(fx.rpc.call("zed", "chunk.has", { ids: [chunk("probe").id] })).rejects.toMatchObject({ code: "unknown_member" });
      await fx.setDown("b");
      await expect(fx.rpc.call("b", "chunk.has", { ids: [chunk("probe").id] })).rejects.toMatchObject({ code: "connect" });
      await fx.setHung("c");
      const started = Date.now();
      await expect(fx.rpc.call("c", "manifests.push", { entries: [] }, { timeoutMs: 150 })).rejects.toMatchObject({ code: "timeout" });
      expect(Date.now() - started).toBeLessThan(3000);
    });

    test("callMany answers at the quorum after the grace, reports stragglers late", async () => {
      await fx.setHung("c");
      const c = chunk("replicated");
      const late: string[] = [];
      const started = Date.now();
      const result = await fx.rpc.callMany(["a", "b", "c"], "chunk.put", { chunkId: c.id, data: c.data }, {
        quorum: 2,
        graceMs: 50,
        timeoutMs: 400,
        onLate: (id, outcome) => late.push(`${id}:${outcome.ok}`),
      });
      expect(Date.now() - started).toBeLessThan(350);
      expect([...result.ok.keys()].sort()).toEqual(["a", "b"]);
      expect([...result.pending]).toEqual(["c"]);
      expect(result.failed.size).toBe(0);
      await Bun.sleep(600);
      expect(late).toEqual(["c:false"]);
    });

    test("callMany resolves as soon as everyone settled, and reports failures", async () => {
      await fx.setDown("c");
      const result = await fx.rpc.callMany(["b", "c"], "chunk.has", { ids: [chunk("probe").id] }, { quorum: 2, graceMs: 10_000 });
      expect([...result.ok.keys()]).toEqual(["b"]);
      expect([...result.failed.keys()]).toEqual(["c"]);
      expect(result.pending.size).toBe(0);
    });
  });
}
