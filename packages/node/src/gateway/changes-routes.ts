// GET /api/changes?path=/dir: the files API's change feed, a server-sent event for every row this node
// commits at or below a directory (its own writes, those it merges from peers, and those the folder's owners
// forward to it while the feed is open: replication/change-relay.ts), for `orrery sync`.
import { isVersionsPath } from "../metadata/version-paths.ts";
import { apiRoutes, type Change, type EventOf } from "@orrery/api";
import { Hono } from "hono";
import { badRequest } from "../errors.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import type { ChangeRelay } from "../replication/change-relay.ts";
import { normalizePath } from "../metadata/path.ts";
import { access, canSee } from "./auth.ts";
import { entryJson } from "./files-routes.ts";
import { sseFeed } from "./sse-feed.ts";

/** Changes a client may lag behind before it is told to read the tree again instead (bounded memory). */
export const MAX_QUEUED_CHANGES = 1024;

export interface ChangesRoutesDeps {
  manifests: ManifestStore;
  /**
   * Rows of the folder that other members own, forwarded here while a feed is open (replication/change-relay.ts);
   * without it (in-process tests) the feed carries what this node applies.
   */
  changeRelay?: Pick<ChangeRelay, "subscribe">;
}

/** `?path=` spelled as the API spells paths (`/a/b`, or nothing for the root) → the canonical directory path. */
function feedRoot(raw: string | undefined): string {
  if (raw === undefined || raw === "" || raw === "/") return "";
  if (!raw.startsWith("/")) throw badRequest("invalid_path", "path must start with '/'");
  return normalizePath(raw.slice(1));
}

/** Rows in the feed's folder; the versions' namespace is never part of the tree a client syncs. */
const below = (root: string) => (m: Manifest) => !isVersionsPath(m.path) && (root === "" || m.path === root || m.path.startsWith(`${root}/`));

/** A change event: the row as a listing shows it, plus whether it is a deletion (a tombstone). */
export const changeJson = (m: Manifest): Change => ({ ...entryJson(m), deleted: m.deleted });

export function changesRoutes(d: ChangesRoutesDeps): Hono {
  const app = new Hono();
  app.get(apiRoutes.changes.path, (c) => {
    const root = feedRoot(c.req.query("path"));
    // Above the principal's own folders, the feed carries only the rows they may see.
    const shown = access(c, "read", root) === "allow" ? () => true : canSee(c);
    const inside = (m: Manifest) => below(root)(m) && shown(m.path);
    return sseFeed(
      c,
      (push) => {
        const stop = d.manifests.watch((rows) => {
          for (const row of rows) if (inside(row)) push({ event: "change", data: changeJson(row) });
        });
        // Subscribed from here on (and the members forward what they own below the folder): a client reads the
        // tree after this and misses nothing in between.
        const ready = () => push({ event: "ready", data: { path: `/${root}` } satisfies EventOf<"changes", "ready"> });
        if (!d.changeRelay) {
          ready();
          return stop;
        }
        let closed = false;
        let unsubscribe: (() => void) | undefined;
        void d.changeRelay.subscribe(root).then((close) => {
          if (closed) return close();
          unsubscribe = close;
          ready();
        });
        return () => {
          closed = true;
          stop();
          unsubscribe?.();
        };
      },
      { maxQueued: MAX_QUEUED_CHANGES, overflowEvent: { event: "overflow", data: { dropped: true } } },
    );
  });
  return app;
}
