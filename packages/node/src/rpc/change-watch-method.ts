// The peer call a gateway serving a change feed makes to every storing member (`changes.watch`): forward to me
// the rows you own below this folder, for the next ttlMs (replication/change-relay.ts).
import { z } from "zod";
import { isCanonicalPath } from "../metadata/path.ts";

/** How long one watch holds without being renewed, at most. */
export const MAX_WATCH_TTL_MS = 60_000;

export const changeWatchMethod = {
  /** Watch `root` ("" for everything) for ttlMs; 0 ends the caller's watch of it. Answers whether it is held. */
  "changes.watch": {
    limits: { request: 64 * 1024, response: 64 * 1024 },
    request: z.strictObject({
      root: z.string().max(1100).refine((p) => p === "" || isCanonicalPath(p), "a canonical path, or '' for the root"),
      ttlMs: z.number().int().min(0).max(MAX_WATCH_TTL_MS),
    }),
    response: z.strictObject({ watching: z.boolean() }),
  },
} as const;
