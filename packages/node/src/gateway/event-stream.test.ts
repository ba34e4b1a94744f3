// The web UI's event stream (/api/events, Hono's streamSSE) served over node:http (http-server.ts):
// events arrive as they happen, and the stream stops, unsubscribing, when the client goes away.
import { expect, test } from "bun:test";
import { connect } from "node:net";
import { ClusterEvents } from "./cluster-events.ts";
import { type ClusterRoutesDeps, clusterRoutes } from "./cluster-routes.ts";
import { serveFetch } from "./http-server.ts";

test("/api/events streams over node:http and unsubscribes when the client disconnects", async () => {
  const events = new ClusterEvents("n1");
  let subscribers = 0;
  const subscribe = events.subscribe.bind(events);
  events.subscribe = (fn) => {
    subscribers++;
    const off = subscribe(fn);
    let on = true;
    return () => {
      if (on) subscribers--;
      on = false;
      return off();
    };
  };
  const deps = { events, health: () => ({ ok: true }), members: () => [] } as unknown as ClusterRoutesDeps;
  const app = clusterRoutes(deps);
  const server = await serveFetch({ hostname: "127.0.0.1", port: 0, fetch: (req) => app.fetch(req) });
  try {
    const socket = connect(server.port, "127.0.0.1");
    let got = "";
    const waitFor = async (what: string) => {
      const until = Date.now() + 5000;
      while (!got.includes(what) && Date.now() < until) await Bun.sleep(10);
      expect(got).toContain(what);
    };
    socket.on("data", (d: Buffer) => (got += d.toString()));
    socket.write("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await waitFor("event: health");
    expect(got.toLowerCase()).toContain("content-type: text/event-stream");
    expect(subscribers).toBe(1);
    events.record("join", "n9 joined");
    await waitFor("n9 joined");
    socket.destroy();
    const until = Date.now() + 5000;
    while (subscribers > 0 && Date.now() < until) await Bun.sleep(10);
    expect(subscribers).toBe(0);
  } finally {
    await server.stop(true);
  }
});
