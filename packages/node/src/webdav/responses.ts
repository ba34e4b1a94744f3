// Errors on /dav/ are WebDAV responses, not the JSON API format: a status, and for the RFC 4918
// preconditions a `<D:error>` body naming the condition. Storage-layer errors map onto DAV statuses.
import { ChunkNotFoundError, OrreryError, StoreFullError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { ChunkUnavailableError } from "../replication/chunk-reader.ts";
import { DavError } from "./errors.ts";
import { escapeXml } from "./xml.ts";

const XML = "application/xml; charset=utf-8";

export const DAV_METHODS = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK";

export function errorXml(condition: string, inner = ""): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:"><D:${condition}>${inner}</D:${condition}></D:error>`;
}

/** The status an error from any layer stands for on /dav/. */
export function statusOf(err: unknown): number {
  if (err instanceof DavError || err instanceof OrreryError) return err.status;
  if (err instanceof StoreFullError) return 507;
  if (err instanceof ChunkUnavailableError || err instanceof ChunkNotFoundError) return 503;
  return 500;
}

export function davErrorResponse(err: unknown, req: Request, log: Logger): Response {
  const status = statusOf(err);
  if (status >= 500) log.warn("WebDAV request failed", { method: req.method, url: req.url, status, err });
  if (err instanceof DavError && err.condition) {
    const inner = err.conditionHref === undefined ? "" : `<D:href>${escapeXml(err.conditionHref)}</D:href>`;
    return new Response(errorXml(err.condition, inner), { status, headers: { "content-type": XML } });
  }
  const message = status === 500 ? "internal error; see the node's log" : (err as Error).message;
  const headers: Record<string, string> = { ...(err instanceof OrreryError ? err.headers : undefined), "content-type": "text/plain; charset=utf-8" };
  if (status === 405) headers.allow = DAV_METHODS; // RFC 9110 §15.5.6: a 405 names what is allowed
  return new Response(`${message}\n`, { status, headers });
}

export const xmlResponse = (body: string | ReadableStream<Uint8Array>, status: number, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "content-type": XML, ...headers } });
