// GET /api/cluster/status: every member's /status and /api/health, fetched by the node the browser
// talks to, so the web UI served by any node shows the whole cluster without cross-origin calls.
import { Hono } from "hono";
import { httpBase, type Member } from "../membership/types.ts";
import { errorMessage } from "../errors.ts";
import { memberJson } from "./cluster-routes.ts";

const TIMEOUT_MS = 1500;

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

export function clusterStatusRoutes(d: { members: () => Member[] }): Hono {
  const app = new Hono();
  app.get("/api/cluster/status", async (c) => {
    const members = await Promise.all(
      d.members().map(async (m) => {
        const base = httpBase(m);
        const entry = memberJson(m);
        if (m.state === "dead" || m.state === "left") return { ...entry, status: null, health: null, error: `member is ${m.state}` };
        try {
          const [status, health] = await Promise.all([fetchJson(`${base}/status`), fetchJson(`${base}/api/health`)]);
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
