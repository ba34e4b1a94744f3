// Turns any thrown error into the JSON {error, code} response with the right status, and logs
// the unexpected ones with the request that caused them.
import type { Context } from "hono";
import { ChunkNotFoundError, OrreryError, StoreFullError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { ChunkUnavailableError } from "../replication/chunk-reader.ts";

export function errorBody(status: number, code: string, error: string, details?: Record<string, unknown>) {
  return { error, code, ...(details ? { details } : {}) };
}

/** The challenge of every 401 on the HTTP port (files API, WebDAV): log in with HTTP Basic. */
export const BASIC_CHALLENGE = 'Basic realm="orrery", charset="UTF-8"';

/** 401 asks for HTTP Basic (except of the UI's scripts: gateway/auth.ts); 429 says when to try again. */
function authHeaders(err: OrreryError, c: Context): Record<string, string> {
  if (err.status === 401 && c.req.header("sec-fetch-dest") !== "empty") return { "WWW-Authenticate": BASIC_CHALLENGE };
  const retry = err.details?.retryAfterSeconds;
  if (err.status === 429 && typeof retry === "number") return { "Retry-After": String(retry) };
  return {};
}

export function toErrorResponse(err: unknown, c: Context, log: Logger): Response {
  if (err instanceof OrreryError) {
    if (err.status >= 500) log.warn("request failed", { method: c.req.method, path: c.req.path, code: err.code, err });
    return c.json(errorBody(err.status, err.code, err.message, err.details), err.status as 400, { ...err.headers, ...authHeaders(err, c) });
  }
  if (err instanceof StoreFullError) return c.json(errorBody(507, "store_full", err.message), 507);
  if (err instanceof ChunkUnavailableError || err instanceof ChunkNotFoundError) {
    log.error("chunk unavailable", { path: c.req.path, chunk: err.chunkId, err });
    return c.json(errorBody(503, "chunk_unavailable", err.message), 503);
  }
  // Hono's own HTTPException (e.g. from bodyLimit) carries a status.
  const status = (err as { status?: unknown }).status;
  if (typeof status === "number" && status >= 400 && status < 600) {
    return c.json(errorBody(status, status === 413 ? "payload_too_large" : "http_error", (err as Error).message), status as 400);
  }
  log.error("unhandled error", { method: c.req.method, path: c.req.path, err, stack: (err as Error)?.stack });
  return c.json(errorBody(500, "internal", "internal error; see the node's log"), 500);
}
