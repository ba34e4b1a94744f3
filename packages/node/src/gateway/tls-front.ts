// The listening side of an HTTPS port that also answers plain HTTP sent to it: every connection's first byte
// is read before anything else. A TLS handshake starts with 0x16 (a handshake record), so such a connection
// is wrapped in TLS and handed to the HTTP server; anything else is someone typing http:// for an https://
// node (a browser, curl), who gets a redirect to the https URL (GET, HEAD) or a 400 naming https, in plain
// text, instead of a connection cut without a word. Node's and Bun's https servers cannot be asked to do this.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createSecureContext, TLSSocket } from "node:tls";

/** A TLS record of type handshake: the first byte of every TLS connection (ClientHello). */
const TLS_HANDSHAKE = 0x16;
const HOST = /^[A-Za-z0-9.\-_~]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export interface TlsFrontOptions {
  tls: { cert: string; key: string };
  /** Serves the decrypted connections (a node:http server that does not listen itself). */
  server: Server;
  /** Every raw connection, so that a stop can end those still in their handshake or first byte. */
  onSocket: (socket: Socket) => void;
  /** How long a connection may stay silent before its first byte (then it is closed). */
  firstByteTimeoutMs: number;
}

/** The plain-HTTP answer: where the https URL is when the request says (Host), in words either way. */
function plainAnswer(req: IncomingMessage, res: ServerResponse): void {
  const host = req.headers.host;
  const target = req.url?.startsWith("/") ? req.url : "/";
  const url = host !== undefined && HOST.test(host) ? `https://${host}${target}` : undefined;
  const redirect = url !== undefined && (req.method === "GET" || req.method === "HEAD");
  const text = url
    ? `This port speaks HTTPS only. Use ${url}\n`
    : "This port speaks HTTPS only: use https:// with this host and port.\n";
  res.writeHead(redirect ? 301 : 400, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    "cache-control": "no-store",
    connection: "close",
    ...(redirect ? { location: url } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : text);
}

/** A net server to `listen` on the HTTPS port in place of an https server. */
export function tlsFront(opts: TlsFrontOptions): NetServer {
  const secureContext = createSecureContext({ cert: opts.tls.cert, key: opts.tls.key });
  const plain = createHttpServer(plainAnswer);
  plain.headersTimeout = opts.firstByteTimeoutMs;
  return createNetServer({ pauseOnConnect: true }, (socket) => {
    opts.onSocket(socket);
    socket.on("error", () => socket.destroy());
    socket.setTimeout(opts.firstByteTimeoutMs, () => socket.destroy());
    socket.once("readable", () => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) return void socket.destroy(); // closed before a byte
      socket.setTimeout(0);
      socket.unshift(first);
      if (first[0] !== TLS_HANDSHAKE) return void plain.emit("connection", socket);
      const secure = new TLSSocket(socket, { isServer: true, secureContext });
      secure.on("error", () => secure.destroy()); // a failed handshake: nothing was said yet, nothing to answer
      opts.server.emit("connection", secure);
    });
    socket.resume();
  });
}
