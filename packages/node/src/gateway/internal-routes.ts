// Node-to-node HTTP endpoints: manifest push, manifest delta sync, chunk anti-entropy. Bodies are zod-validated.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { badRequest } from "../errors.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { type ChunkAntiEntropy, digestsRequestSchema, idsRequestSchema } from "../replication/chunk-anti-entropy.ts";
import {
  answerSyncRequest,
  applyPush,
  MAX_SYNC_BODY_BYTES,
  parseBody,
  pushBodySchema,
  syncRequestSchema,
} from "../metadata/sync.ts";

async function readJson(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw badRequest("malformed_json", "request body is not valid JSON");
  }
}

export function internalRoutes(d: { manifests: ManifestStore; antiEntropy: ChunkAntiEntropy }): Hono {
  const app = new Hono();
  app.use("/internal/*", bodyLimit({ maxSize: MAX_SYNC_BODY_BYTES }));

  app.post("/internal/manifests", async (c) => {
    const won = applyPush(d.manifests, parseBody(pushBodySchema, await readJson(c.req.raw)));
    return c.json({ applied: won.length });
  });

  app.post("/internal/sync", async (c) => {
    return c.json(answerSyncRequest(d.manifests, parseBody(syncRequestSchema, await readJson(c.req.raw))));
  });

  app.post("/internal/chunk-digests", async (c) => {
    const body = parseBody(digestsRequestSchema, await readJson(c.req.raw));
    return c.json(d.antiEntropy.digestsFor(body.peer));
  });

  app.post("/internal/chunk-ids", async (c) => {
    const body = parseBody(idsRequestSchema, await readJson(c.req.raw));
    return c.json({ ids: d.antiEntropy.idsFor(body.peer, body.ranges) });
  });

  return app;
}
