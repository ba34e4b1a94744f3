// GET /api/cluster/status: every member's /status and /api/health, asked by the node the browser talks
// to over the authenticated peer RPC (by member id, never by a URL a member announced), so the web UI
// served by any node shows the whole cluster without cross-origin calls.
import { apiRoutes, type Health, type MemberStatus, type NodeStatus, type ResponseOf } from "@orrery/api";
import { Hono } from "hono";
import type { Member } from "../membership/types.ts";
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { TransferError } from "../transfer/transfer-error.ts";
import { memberJson } from "./cluster-routes.ts";

/**
 * Why a member did not answer, in words for the person looking at the cluster page (the runtime's own
 * message, e.g. "ECONNREFUSED: Unable to connect. Is the computer able to access the url?", says nothing to them).
 */
export function whyUnreachable(err: unknown, timeoutMs: number): string {
  const code = err instanceof TransferError ? err.code : undefined;
  switch (code) {
    case "connect":
      return "not answering: its node process may be stopped, or the network between the nodes is down";
    case "timeout":
      return `not answering within ${(timeoutMs / 1000).toLocaleString("en")} s: it may be overloaded or paused`;
    case "auth":
      return "refused: it does not hold this cluster's key";
    case "wrong_node":
      return "another node answers at its address";
    case "unknown_member":
      return "its address is not known yet";
    default:
      return `its status could not be read: ${errorMessage(err)}`;
  }
}

export function clusterStatusRoutes(d: { members: () => Member[]; rpc: PeerRpc; statusTimeoutMs: number; log?: Logger }): Hono {
  const app = new Hono();
  app.get(apiRoutes.clusterStatus.path, async (c) => {
    const members = await Promise.all(
      d.members().map(async (m): Promise<MemberStatus> => {
        const entry = memberJson(m);
        if (m.state === "dead" || m.state === "left") return { ...entry, status: null, health: null, error: `member is ${m.state}` };
        try {
          const { status, health } = await d.rpc.call(m.id, "node.status", {}, { timeoutMs: d.statusTimeoutMs });
          // The node.status RPC carries JSON objects (a member of another version may add or lack fields): passed
          // on as that member answered, the contract's shape when it runs this version.
          return { ...entry, status: status as NodeStatus, health: health as Health };
        } catch (err) {
          d.log?.debug("member status unavailable", { peer: m.id, err });
          return { ...entry, status: null, health: null, error: whyUnreachable(err, d.statusTimeoutMs) };
        }
      }),
    );
    return c.json({ members } satisfies ResponseOf<"clusterStatus">);
  });
  return app;
}
