// Serves a fetch handler (the Hono app's `app.fetch`, the S3 server's `fetch`) over node:http instead of
// Bun.serve, because Bun.serve drops a handler's Content-Length on a streamed body and sends it chunked
// (oven-sh/bun#10507): s3cmd crashes, boto3 reports no length, browsers show no progress. node:http sends
// the headers the handler sets, so every response with a known length carries Content-Length.
//
// Per request: a Request from the raw target, the headers and the body streamed (for methods with one);
// its signal aborts when the client goes away (SSE streams stop on it). The Response goes back with every
// header, its body streamed with back-pressure; a body without Content-Length that is already complete in
// memory (c.json, c.text) is sent whole with its length, anything else chunked. HEAD answers headers only.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Server as NetServer, Socket } from "node:net";
import { drained } from "../util/drained.ts";
import { giveBack } from "../util/lent-bytes.ts";
import { tlsFront } from "./tls-front.ts";

export type FetchHandler = (req: Request) => Response | Promise<Response>;

export interface ServeOptions {
  hostname: string;
  port: number;
  fetch: FetchHandler;
  /** Looks at the raw method and target before any Request is built; a Response answers it instead. */
  guard?: (method: string, target: string) => Response | undefined;
  /** A body without Content-Length up to this many bytes, complete without waiting on I/O, is sent with its length. */
  measureLimit?: number;
  /** Serve HTTPS with this PEM certificate (chain) and key (plain HTTP sent to it is told to use https); absent: plain HTTP. */
  tls?: { cert: string; key: string };
}

export interface FetchServer {
  readonly port: number;
  /** Stops taking connections. `force`: cuts the open ones now; otherwise resolves once those in flight finished. */
  stop(force?: boolean): Promise<void>;
}

export const MEASURE_LIMIT = 1024 * 1024;
/** How long a client may take to send a request's headers (Node's default is 60 s). */
const HEADERS_TIMEOUT_MS = 60_000;

const NO_BODY_STATUS = new Set([101, 204, 205, 304]);
const HOST = /^[A-Za-z0-9.\-_~]*(\[[0-9A-Fa-f:.]+\])?(:\d{1,5})?$/;

/** Listens on hostname:port; rejects with the listen error (`code` "EADDRINUSE" when the port is taken). */
export async function serveFetch(opts: ServeOptions): Promise<FetchServer> {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const listener: RequestListener = (req, res) => {
    inFlight.add(res);
    res.once("close", () => {
      inFlight.delete(res);
      if (closing) idle();
    });
    // A request answered while draining is the connection's last.
    if (closing) res.setHeader("connection", "close");
    handle(req, res, opts).catch((err) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy(err as Error);
    });
  };
  const server: Server = createServer(listener);
  server.requestTimeout = 0; // an upload may take as long as it takes
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = 0; // as Bun.serve with idleTimeout 0: an idle connection stays open
  server.timeout = 0;

  let wakeDrain: (() => void) | undefined;
  const idle = () => {
    server.closeIdleConnections?.();
    if (inFlight.size === 0) wakeDrain?.();
  };
  const sockets = new Set<Socket>();
  // Raw TCP sockets, under HTTPS too: destroying one also ends a connection still in its TLS handshake.
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  // HTTPS: the front reads each connection's first byte, hands TLS to `server` and answers plain HTTP itself.
  const listening: NetServer = opts.tls ? tlsFront({ tls: opts.tls, server, onSocket: track, firstByteTimeoutMs: HEADERS_TIMEOUT_MS }) : server;
  if (!opts.tls) server.on("connection", track);

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    listening.once("error", onError);
    listening.listen(opts.port, opts.hostname, () => {
      listening.off("error", onError);
      resolve();
    });
  });
  const port = (listening.address() as AddressInfo).port;

  return {
    port,
    async stop(force = false) {
      closing = true;
      const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
      if (!force) {
        const drained = new Promise<void>((resolve) => (wakeDrain = resolve));
        idle();
        await drained;
      }
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections?.();
      await closed;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ServeOptions): Promise<void> {
  const method = req.method ?? "GET";
  const target = req.url ?? "/";
  const refused = opts.guard?.(method, target);
  if (refused) {
    req.resume(); // the body of a refused request is read and dropped
    return writeResponse(res, refused, method, opts.measureLimit ?? MEASURE_LIMIT);
  }
  const aborter = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborter.abort();
  });
  let request: Request;
  try {
    request = requestOf(req, aborter.signal, opts.tls ? "https" : "http");
  } catch {
    req.resume();
    return writeResponse(res, new Response("bad request\n", { status: 400 }), method, 0);
  }
  const response = await opts.fetch(request);
  // A handler that answered without reading the whole body (a 507 or 412 before the upload, an error midway):
  // the rest is read and dropped, or the connection would stay stuck on it and the client's next request on
  // it would never be answered.
  if (!req.complete) discardBody(req);
  await writeResponse(res, response, method, opts.measureLimit ?? MEASURE_LIMIT);
}

/**
 * The request body as a web stream, with back-pressure (the socket is paused while the stream is full).
 * Unlike Readable.toWeb, cancelling it (or discardBody) drops the rest instead of destroying the socket.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.pause();
        req.on("data", (chunk: Buffer) => {
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once("end", () => {
          try {
            controller.close();
          } catch {
            // cancelled meanwhile
          }
        });
        req.once("error", (err) => {
          try {
            controller.error(err);
          } catch {
            // cancelled meanwhile
          }
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        discardBody(req);
      },
    },
    { highWaterMark: 256 * 1024, size: (chunk) => chunk?.byteLength ?? 0 },
  );
}

/** Reads what is left of a request body and drops it: nothing keeps it, and the connection stays usable. */
function discardBody(req: IncomingMessage): void {
  req.removeAllListeners("data");
  req.on("data", () => {});
  req.resume();
}

/** The peer address each Request came from (the TCP socket's, never a header a client could set). */
const remoteAddresses = new WeakMap<Request, string>();

/** Who sent `req` (an IP address), when it came through serveFetch: what rate limits count per client. */
export function remoteAddressOf(req: Request): string | undefined {
  return remoteAddresses.get(req);
}

/** The fetch Request of a node:http request: its raw target (dot-segments kept), headers, body and signal. */
export function requestOf(req: IncomingMessage, signal: AbortSignal, scheme: "http" | "https" = "http"): Request {
  const method = req.method ?? "GET";
  const target = req.url ?? "/";
  const host = req.headers.host;
  const local = req.socket.localAddress?.includes(":") ? `[${req.socket.localAddress}]` : req.socket.localAddress;
  const authority = host && HOST.test(host) ? host : `${local ?? "localhost"}:${req.socket.localPort ?? 80}`;
  const url = /^https?:\/\//i.test(target) ? target : `${scheme}://${authority}${target.startsWith("/") ? "" : "/"}${target}`;
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const hasBody =
    method !== "GET" && method !== "HEAD" && (req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0);
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  if (hasBody) {
    init.body = bodyStream(req);
    init.duplex = "half";
  }
  const request = new Request(url, init);
  if (req.socket.remoteAddress) remoteAddresses.set(request, req.socket.remoteAddress);
  return request;
}

/** Writes `response` to `res`: status, every header, Content-Length when known, the body with back-pressure. */
export async function writeResponse(res: ServerResponse, response: Response, method: string, measureLimit: number): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie" || name === "transfer-encoding") continue;
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);

  const body = response.body;
  if (body === null || method === "HEAD" || NO_BODY_STATUS.has(response.status)) {
    if (body !== null) await body.cancel().catch(() => {});
    res.end();
    return;
  }
  const reader = body.getReader();
  let gone = false;
  const onClose = () => {
    if (!res.writableFinished) {
      gone = true;
      reader.cancel().catch(() => {});
    }
  };
  res.once("close", onClose);
  try {
    let pending: Promise<ReadResult> | undefined;
    if (!response.headers.has("content-length")) {
      const measured = await measure(reader, measureLimit);
      if (measured.done) {
        const whole = Buffer.concat(measured.chunks);
        res.setHeader("content-length", whole.byteLength);
        res.end(whole);
        return;
      }
      for (const chunk of measured.chunks) res.write(chunk);
      pending = measured.pending;
    }
    for (;;) {
      const next = await (pending ?? reader.read());
      pending = undefined;
      if (next.done || gone) break;
      const piece = next.value;
      // Flushed to the socket: a lent piece's memory may serve the next one (util/lent-bytes.ts).
      if (!res.write(piece, () => giveBack(piece))) await drained(res);
      if (gone) break;
    }
    if (!gone) res.end();
  } catch (err) {
    // The body broke off: cut the connection so the client sees a truncated answer, not a complete one.
    reader.cancel(err).catch(() => {});
    res.destroy();
  } finally {
    res.off("close", onClose);
  }
}

type Measured =
  | { done: true; chunks: Uint8Array[] }
  | { done: false; chunks: Uint8Array[]; pending: Promise<ReadResult> | undefined };

/** Reads the body while it is already there (no I/O wait) and under `limit` bytes. */
async function measure(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<Measured> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total <= limit) {
    const read = reader.read();
    const now = await Promise.race([read, nextTurn()]);
    if (now === WAITING) return { done: false, chunks, pending: read };
    if (now.done) return { done: true, chunks };
    chunks.push(now.value);
    total += now.value.byteLength;
  }
  return { done: false, chunks, pending: undefined };
}

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

const WAITING = Symbol("waiting");
/** Resolves after the pending microtasks, once the event loop turns: a read still open then waits on I/O. */
const nextTurn = () => new Promise<typeof WAITING>((resolve) => setImmediate(() => resolve(WAITING)));
