// GET /api/cluster/history: the traffic and storage of every member over a window, for the UI's charts. The
// node asks each live member (itself included) over the peer RPC for its points and adds them up step by step;
// a member that does not answer is named, and its figures are missing from the sum.
import { apiRoutes, type ResponseOf } from "@orrery/api";
import { Hono } from "hono";
import { badRequest } from "../errors.ts";
import { type HistoryPoint, mergePoints, stepFor } from "../history/history.ts";
import type { Logger } from "../log.ts";
import type { Member } from "../membership/types.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";

export function historyRoutes(d: { members: () => Member[]; rpc: PeerRpc; statusTimeoutMs: number; log?: Logger; now?: () => number }): Hono {
  const app = new Hono();
  app.get(apiRoutes.clusterHistory.path, async (c) => {
    const minutes = Number(c.req.query("minutes") ?? 60);
    if (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440) throw badRequest("invalid_window", "minutes must be a whole number from 5 to 1440");
    const windowMs = minutes * 60_000;
    const stepMs = stepFor(windowMs);
    const now = (d.now ?? Date.now)();
    // From a whole step back, so the first point is a whole step too.
    const sinceMs = Math.floor((now - windowMs) / stepMs) * stepMs;
    const missing: string[] = [];
    const live = d.members().filter((m) => m.state === "alive" || m.state === "suspect");
    const answers = await Promise.all(
      live.map(async (m): Promise<HistoryPoint[]> => {
        try {
          return (await d.rpc.call(m.id, "history.points", { sinceMs, stepMs }, { timeoutMs: d.statusTimeoutMs })).points;
        } catch (err) {
          d.log?.debug("member history unavailable", { peer: m.id, err });
          missing.push(m.id);
          return [];
        }
      }),
    );
    return c.json({ stepMs, points: mergePoints(answers), missing: missing.sort() } satisfies ResponseOf<"clusterHistory">);
  });
  return app;
}
