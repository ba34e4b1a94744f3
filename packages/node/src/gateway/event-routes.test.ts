// The cluster timeline: this node's log merged with what the members that answer recorded, over the peer RPC.
import { expect, test } from "bun:test";
import { Hono } from "hono";
import { MemoryEventLog } from "../events/event-log.ts";
import { testMember } from "../membership/test-member.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { ClusterEvents } from "./cluster-events.ts";
import { toErrorResponse } from "./errors.ts";
import { eventRoutes } from "./event-routes.ts";
import { logger } from "../log.ts";

const noStore = { put: async () => ({ created: false }), get: async (): Promise<Uint8Array> => new Uint8Array(), has: () => false };

function cluster() {
  let t = 1000;
  const now = () => (t += 100);
  const a = new ClusterEvents("a", new MemoryEventLog(), now);
  const b = new ClusterEvents("b", new MemoryEventLog(), now);
  const net = new MemoryNetwork();
  net.register("b", { store: noStore, handlers: { "events.recent": (_from, { limit }) => ({ events: b.recent(limit) }) } });
  const rpc = net.register("a", { store: noStore, handlers: {} });
  const members = [testMember("a", "alive"), testMember("b", "alive"), testMember("c", "suspect"), testMember("d", "dead")];
  // As the gateway mounts it: thrown errors become JSON {error, code}.
  const app = new Hono().onError((err, c) => toErrorResponse(err, c, logger("test")));
  app.route("/", eventRoutes({ self: () => members[0]!, members: () => members, events: a, rpc, statusTimeoutMs: 300 }));
  return { a, b, app };
}

type Answer = { events: Array<{ type: string; node: string; member?: string; seenBy?: string[] }>; nodes?: string[]; unanswered?: Record<string, string> };

test("GET /api/events/recent merges every answering member's log; one death seen twice is one entry", async () => {
  const { a, b, app } = cluster();
  a.record("dead", "d was declared dead", "d");
  b.record("dead", "d was declared dead", "d");
  b.record("rebalance", "replication queue drained: every pending copy delivered");
  const res = await app.request("/api/events/recent?limit=10");
  expect(res.status).toBe(200);
  const body = (await res.json()) as Answer;
  expect(body.events.map((e) => [e.type, e.node, e.seenBy])).toEqual([
    ["dead", "a", ["a", "b"]],
    ["rebalance", "b", undefined],
  ]);
  // c is suspect and registered nowhere: named with a reason; d is dead and not asked.
  expect(body.nodes).toEqual(["a", "b"]);
  expect(Object.keys(body.unanswered!)).toEqual(["c"]);
  // This node's own log alone.
  const own = (await (await app.request("/api/events/recent?scope=node")).json()) as Answer;
  expect(own.events.map((e) => e.node)).toEqual(["a"]);
});

test("a bad limit or scope is refused with a JSON error", async () => {
  const { app } = cluster();
  for (const q of ["limit=0", "limit=1001", "limit=abc", "scope=world", "other=1"]) {
    const res = await app.request(`/api/events/recent?${q}`);
    expect({ q, status: res.status }).toEqual({ q, status: 400 });
    expect(((await res.json()) as { code: string }).code).toBe("invalid_query");
  }
});
