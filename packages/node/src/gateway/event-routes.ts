// GET /api/events/recent: the cluster's timeline. This node's own log merged with the logs of the members
// that answer (asked over the authenticated peer RPC, `events.recent`), so the UI served by any node shows
// what every node saw, and a restarted node still shows what happened before (events/ keeps them in SQLite).
import { apiRoutes, recentEventsQuery, type ResponseOf } from "@orrery/api";
import { Hono } from "hono";
import { badRequest } from "../errors.ts";
import { type ClusterEvent, EVENT_LOG_CAPACITY } from "../events/event-log.ts";
import { mergeTimelines } from "../events/timeline.ts";
import type { Logger } from "../log.ts";
import type { Member } from "../membership/types.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { ClusterEvents } from "./cluster-events.ts";
import { whyUnreachable } from "./cluster-status.ts";

export interface EventRoutesDeps {
  self: () => Member;
  members: () => Member[];
  events: ClusterEvents;
  rpc: PeerRpc;
  /** How long to wait for each member's log. */
  statusTimeoutMs: number;
  log?: Logger;
}

export function eventRoutes(d: EventRoutesDeps): Hono {
  const app = new Hono();
  app.get(apiRoutes.recentEvents.path, async (c) => {
    const parsed = recentEventsQuery.safeParse(c.req.query());
    if (!parsed.success) {
      throw badRequest("invalid_query", `limit must be 1..${EVENT_LOG_CAPACITY} and scope cluster or node`, { issues: parsed.error.issues.map((i) => i.message) });
    }
    const { limit, scope } = parsed.data;
    const own = d.events.recent(limit);
    if (scope === "node") return c.json({ events: own } satisfies ResponseOf<"recentEvents">);
    const self = d.self().id;
    const peers = d.members().filter((m) => m.id !== self && (m.state === "alive" || m.state === "suspect"));
    const unanswered: Record<string, string> = {};
    const logs = await Promise.all(
      peers.map(async (m): Promise<ClusterEvent[]> => {
        try {
          return (await d.rpc.call(m.id, "events.recent", { limit }, { timeoutMs: d.statusTimeoutMs })).events;
        } catch (err) {
          d.log?.debug("member events unavailable", { peer: m.id, err });
          unanswered[m.id] = whyUnreachable(err, d.statusTimeoutMs);
          return [];
        }
      }),
    );
    return c.json({
      events: mergeTimelines([own, ...logs], limit),
      nodes: [self, ...peers.map((m) => m.id).filter((id) => !(id in unanswered))],
      unanswered,
    } satisfies ResponseOf<"recentEvents">);
  });
  return app;
}
