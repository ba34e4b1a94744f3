// Idle peer connections: kept long enough for the quiet anti-entropy rounds to find them again, closed before the
// server would close them, and bounded in number over all peers (the oldest idle one goes first).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { quietMaxMs } from "../util/background-worker.ts";
import { IDLE_TIMEOUT_MS, TransferClient } from "./client.ts";
import { SERVER_IDLE_TIMEOUT_MS } from "./server.ts";
import { keyring, MAX_CHUNK, type Node, quiet, randomChunk, startNode } from "./test-fixtures.ts";

describe("idle peer connections", () => {
  test("outlive the longest quiet anti-entropy wait and end before the server's own idle timeout", () => {
    // SYNC_INTERVAL_MS's default and its longest: a round that comes back to a peer after its quiet wait reuses the connection.
    expect(IDLE_TIMEOUT_MS).toBeGreaterThan(quietMaxMs(5_000) + 10_000);
    expect(IDLE_TIMEOUT_MS).toBeLessThan(SERVER_IDLE_TIMEOUT_MS - 10_000);
  });

  let nodes: Node[] = [];
  beforeAll(async () => {
    nodes = await Promise.all([startNode({ selfId: "p1" }), startNode({ selfId: "p2" }), startNode({ selfId: "p3" })]);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  test("are bounded over all peers: past the bound the oldest idle one is closed, the others are reused", async () => {
    const client = new TransferClient(
      { selfId: "a", keyring, encrypt: () => false, connectTimeoutMs: 1000, requestTimeoutMs: 5000, maxChunkSize: MAX_CHUNK, maxIdleConnections: 2 },
      { log: quiet },
    );
    try {
      const id = randomChunk(10).id;
      for (const n of nodes) expect(await client.hasChunks(n.peer, [id])).toEqual([false]);
      expect(client.connectionsOpened).toBe(3);
      // p3 and p2 are the two newest idle connections: reused.
      expect(await client.hasChunks(nodes[2]!.peer, [id])).toEqual([false]);
      expect(await client.hasChunks(nodes[1]!.peer, [id])).toEqual([false]);
      expect(client.connectionsOpened).toBe(3);
      // p1's was the oldest when p3's became idle: closed, so p1 is dialled again.
      expect(await client.hasChunks(nodes[0]!.peer, [id])).toEqual([false]);
      expect(client.connectionsOpened).toBe(4);
    } finally {
      await client.close();
    }
  });
});
