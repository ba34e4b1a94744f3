// Per-method RPC body bounds over real sockets: a member's request larger than its method may carry is
// refused once the method name has arrived, before the rest is buffered; an answer announcing more than its
// method may carry is refused at its header; a caller never sends an oversized request.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { rpcRequestLimit, rpcResponseLimit } from "../rpc/methods.ts";
import type { TransferClient } from "./client.ts";
import { decodeText, encodeHead, encodeRpc, FrameDecoder, FrameType, HEADER_SIZE, MAX_RPC_BODY } from "./frames.ts";
import { authedSocket, closed, expectTransferError, fakePeer, newClient, startNode } from "./test-fixtures.ts";

const limits = (method: string) => ({ request: rpcRequestLimit(method), response: rpcResponseLimit(method) });

let client: TransferClient;
beforeEach(() => {
  client = newClient();
});
afterEach(async () => {
  await client.close();
});

/** The frame head and method name of an RPC announcing `bodyBytes` of JSON, without the body. */
function rpcHeadOnly(method: string, bodyBytes: number): Uint8Array {
  const payload = 1 + method.length + bodyBytes;
  const head = encodeHead(FrameType.RPC, 7, payload, 1 + method.length);
  head[HEADER_SIZE] = method.length;
  head.write(method, HEADER_SIZE + 1, "latin1");
  return head;
}

describe("per-method RPC bounds", () => {
  test("the methods' bounds: small for ids and ballots, a whole manifest where one travels, never above the frame's", () => {
    expect(rpcRequestLimit("settings.get")).toBeLessThanOrEqual(64 * 1024);
    expect(rpcRequestLimit("paxos.prepare")).toBeLessThanOrEqual(64 * 1024);
    expect(rpcResponseLimit("chunks.digests")).toBeLessThanOrEqual(64 * 1024);
    expect(rpcRequestLimit("manifests.push")).toBe(MAX_RPC_BODY);
    expect(rpcRequestLimit("no.such.method")).toBeLessThanOrEqual(64 * 1024);
    for (const m of ["manifests.push", "manifests.sync", "manifests.get", "chunks.ids", "node.status", "swim.ping", "keys.use"]) {
      expect(rpcRequestLimit(m)).toBeLessThanOrEqual(MAX_RPC_BODY);
      expect(rpcResponseLimit(m)).toBeLessThanOrEqual(MAX_RPC_BODY);
    }
  });

  test("a request over its method's bound is refused as soon as the method name arrives; the handler never runs", async () => {
    const calls: string[] = [];
    const node = await startNode({
      rpcRequestLimit,
      rpc: async (_from, method) => {
        calls.push(method);
        return { status: "ok", body: { version: null } };
      },
    });
    try {
      const { channel, socket, received } = await authedSocket(node.server.port);
      // 20 MiB announced for settings.get (bound 64 KiB), a few bytes of it sent: the answer comes at once.
      channel.write(rpcHeadOnly("settings.get", 20 * 1024 * 1024));
      channel.write(new TextEncoder().encode('{"pad":"'));
      await closed(socket);
      const frames = [...new FrameDecoder({ maxChunkSize: 1024, accept: "responses" }).push(Buffer.concat(received))];
      const error = frames.find((f) => f.kind === "body" && f.head.type === FrameType.ERROR);
      expect(error && error.kind === "body" ? decodeText(error.bytes) : "").toContain("settings.get request of");
      expect(calls).toEqual([]);
      // The same size for a method that carries manifests is read and handled.
      const big = { entries: [], pad: "x".repeat(1024 * 1024) };
      expect(await client.rpc(node.peer, "manifests.push", big, 5000)).toEqual({ version: null });
      expect(calls).toContain("manifests.push");
    } finally {
      await node.stop();
    }
  });

  test("a request split right inside its method name is still judged by that method", async () => {
    const calls: string[] = [];
    const node = await startNode({ rpcRequestLimit, rpc: async (_f, method) => (calls.push(method), { status: "ok", body: null }) });
    try {
      const { channel, socket } = await authedSocket(node.server.port);
      const frame = rpcHeadOnly("keys.list", 200 * 1024);
      for (let i = 0; i < frame.byteLength; i += 5) {
        channel.write(frame.subarray(i, i + 5));
        await Bun.sleep(1);
      }
      await closed(socket);
      expect(calls).toEqual([]);
    } finally {
      await node.stop();
    }
  });

  test("an answer announcing more than its method may carry fails the call at its header", async () => {
    let sentHead = false;
    const fake = await fakePeer((channel) => {
      channel.onData(() => {
        // Announce a 1 MiB settings answer (bound 64 KiB), then send nothing more.
        channel.write(encodeHead(FrameType.RPC_RESULT, 1, 1 + 1024 * 1024));
        sentHead = true;
      });
    });
    try {
      const started = Date.now();
      await expectTransferError(client.rpc(fake.peer, "settings.get", {}, 10_000, limits("settings.get")), "protocol");
      expect(sentHead).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000); // refused at the head, not after a timeout
    } finally {
      fake.close();
    }
  });

  test("a caller never sends a request over its method's bound", async () => {
    let bytes = 0;
    const fake = await fakePeer((channel) => channel.onData((d) => (bytes += d.byteLength)));
    try {
      const body = { record: { pad: "x".repeat(100 * 1024) } };
      await expect(client.rpc(fake.peer, "settings.push", body, 2000, limits("settings.push"))).rejects.toThrow(/settings.push body of \d+ bytes exceeds 65536/);
      expect(() => encodeRpc(1, "settings.push", body, rpcRequestLimit("settings.push"))).toThrow(RangeError);
      await Bun.sleep(100);
      expect(bytes).toBe(0);
    } finally {
      fake.close();
    }
  });
});
