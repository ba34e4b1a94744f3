// GET /api/cluster/status: every member's /status and /api/health, asked by the node the browser talks
// to over the authenticated peer RPC (by member id, never by a URL a member announced), so the web UI
// served by any node shows the whole cluster without cross-origin calls.
import { Hono } from "hono";
import type { Member } from "../membership/types.ts";
import { errorMessage } from "../errors.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { memberJson } from "./cluster-routes.ts";

export function clusterStatusRoutes(d: { members: () => Member[]; rpc: PeerRpc; statusTimeoutMs: number }): Hono {
  const app = new Hono();
  app.get("/api/cluster/status", async (c) => {
    const members = await Promise.all(
      d.members().map(async (m) => {
        const entry = memberJson(m);
        if (m.state === "dead" || m.state === "left") return { ...entry, status: null, health: null, error: `member is ${m.state}` };
        try {
          const { status, health } = await d.rpc.call(m.id, "node.status", {}, { timeoutMs: d.statusTimeoutMs });
          return { ...entry, status, health };
        } catch (err) {
          return { ...entry, status: null, health: null, error: `unreachable: ${errorMessage(err)}` };
        }
      }),
    );
    return c.json({ members });
  });
  return app;
}
