// The cluster view asks members over the peer RPC by id: it never fetches a URL a member announced, so
// a member record cannot turn the node into a proxy (server-side request forgery).
import { expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { clusterStatusRoutes } from "./cluster-status.ts";

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
