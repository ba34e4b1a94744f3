// The cluster view asks members over the peer RPC by id: it never fetches a URL a member announced, so
// a member record cannot turn the node into a proxy (server-side request forgery).
import { expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { TransferError } from "../transfer/transfer-error.ts";
import { clusterStatusRoutes, whyUnreachable } from "./cluster-status.ts";

const noStore = { put: async () => ({ created: false }), get: async (): Promise<Uint8Array> => new Uint8Array(), has: () => false };

test("GET /api/cluster/status answers from the node.status RPC and touches no announced URL", async () => {
  let fetched = 0;
  const trap = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (fetched++, Response.json({ nodeId: "trap" })) });
  try {
    const net = new MemoryNetwork();
    net.register("b", { store: noStore, handlers: { "node.status": () => ({ status: { nodeId: "b" }, health: { ok: true } }) } });
    const rpc = net.register("a", { store: noStore, handlers: { "node.status": () => ({ status: { nodeId: "a" }, health: {} }) } });
    // Both records point their HTTP port at the trap.
    const members = [
      { ...testMember("a", "alive"), host: "127.0.0.1", httpPort: trap.port! },
      { ...testMember("b", "alive"), host: "127.0.0.1", httpPort: trap.port! },
      { ...testMember("c", "dead"), host: "127.0.0.1", httpPort: trap.port! },
    ];
    const app = clusterStatusRoutes({ members: () => members, rpc, statusTimeoutMs: 500 });
    const body = (await (await app.request("/api/cluster/status")).json()) as { members: Array<{ id: string; status: unknown; error?: string }> };
    expect(body.members.map((m) => [m.id, m.status])).toEqual([
      ["a", { nodeId: "a" }],
      ["b", { nodeId: "b" }],
      ["c", null],
    ]);
    expect(body.members[2]!.error).toBe("member is dead");
    expect(fetched).toBe(0);
  } finally {
    trap.stop(true);
  }
});

test("a member that does not answer is described in words, not by the runtime's error message", () => {
  const connect = new TransferError("connect", "connection to n3@127.0.0.1:4000 failed: ECONNREFUSED: Unable to connect. Is the computer able to access the url?");
  expect(whyUnreachable(connect, 2000)).toBe("not answering: its node process may be stopped, or the network between the nodes is down");
  expect(whyUnreachable(new TransferError("timeout", "no answer from n3 within 2000 ms"), 2000)).toBe("not answering within 2 s: it may be overloaded or paused");
  expect(whyUnreachable(new TransferError("auth", "x"), 2000)).toBe("refused: it does not hold this cluster's key");
  for (const code of ["connect", "timeout", "auth", "wrong_node", "unknown_member"] as const) {
    expect(whyUnreachable(new TransferError(code, "ECONNREFUSED raw"), 2000)).not.toContain("ECONNREFUSED");
  }
  // Anything else keeps its message, so nothing is hidden.
  expect(whyUnreachable(new Error("boom"), 2000)).toBe("its status could not be read: boom");
});
