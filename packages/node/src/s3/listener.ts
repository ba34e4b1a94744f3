// The S3 port: binds S3_PORT when the node starts and loads the S3 API itself (server.ts and the modules under
// it) on the first request, so that a node nobody talks S3 to never loads them (docs/architecture.md, Lazy loading).
import type { FetchServer } from "../gateway/http-server.ts";
import { serveFetch } from "../gateway/http-server.ts";
import type { Logger } from "../log.ts";
import { drain } from "../util/drain.ts";
import { type Lazy, lazy } from "../util/lazy.ts";

export interface S3ListenerInit {
  host: string;
  port: number;
  /** The port was configured: failing to bind it is an error; otherwise S3 is skipped with a warning. */
  portIsExplicit: boolean;
  /** Serve HTTPS with this PEM pair (the node's client certificate, tls/node-tls.ts). */
  tls?: { cert: string; key: string };
}

export class S3Listener {
  private server: FetchServer | undefined;
  /** The S3 API's request handler, loaded (once) by the first request. */
  readonly handler: Lazy<(req: Request) => Promise<Response>>;

  constructor(
    private readonly init: S3ListenerInit,
    private readonly log: Logger,
    private readonly onRequest: (() => void) | undefined,
    load: () => Promise<(req: Request) => Promise<Response>>,
  ) {
    this.handler = lazy(load);
  }

  /** The bound port, or undefined when S3 was skipped because the default port is taken. */
  get port(): number | undefined {
    return this.server?.port;
  }

  readonly fetch = async (req: Request): Promise<Response> => {
    this.onRequest?.();
    return (await this.handler.get())(req);
  };

  async start(): Promise<number | undefined> {
    const { host, port, portIsExplicit } = this.init;
    try {
      // node:http rather than Bun.serve, which drops a handler's Content-Length (gateway/http-server.ts).
      // Bodies stream into chunks in bounded memory: no size limit here (S3's own is 5 TiB per object).
      this.server = await serveFetch({ hostname: host, port, fetch: this.fetch, tls: this.init.tls });
    } catch (err) {
      if ((err as { code?: string }).code !== "EADDRINUSE") throw err;
      if (portIsExplicit) throw new Error(`S3 port ${port} is already in use`);
      this.log.warn("the default S3 port is in use: this node serves no S3 API; set S3_PORT to choose another (0 turns S3 off)", { port });
      return undefined;
    }
    return this.server.port;
  }

  /** Stops taking requests; those in flight get up to `timeoutMs` to finish. */
  async drain(timeoutMs: number): Promise<void> {
    await drain(this.server, timeoutMs, this.log, "s3");
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop(true);
  }
}
