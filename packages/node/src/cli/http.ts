// The client's only door to the node: fetch against the base URL, with failures mapped to exit codes:
// no connection → 3 naming the URL, an error answer → 1 with the node's `{error, code}`.
import { signAdminRequest } from "../security/admin-auth.ts";
import type { ClusterKey } from "../security/cluster-key.ts";
import { CliError, ExitCode, errorText } from "./errors.ts";
import type { TlsPinning } from "./tls-pin.ts";

export interface SendInit {
  body?: BodyInit | null;
  headers?: Record<string, string>;
  query?: Record<string, string | undefined>;
  /** Ends the request (and a streamed answer, such as a change feed). */
  signal?: AbortSignal;
}

/** What went wrong on the wire, in the user's words rather than the runtime's. */
function networkFailure(baseUrl: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === "ECONNREFUSED" || code === "ConnectionRefused") {
    return `cannot reach the node at ${baseUrl}: connection refused (is a node running there?)`;
  }
  // Nodes bound beyond loopback serve HTTPS (TLS=auto); one answers plain HTTP with a redirect to https.
  const hint = baseUrl.startsWith("http:") ? `; if the node serves HTTPS, use ${baseUrl.replace(/^http:/, "https:")}` : "";
  if (code === "UnexpectedRedirect") {
    // Not followed: the CLI's credentials go only where it was pointed.
    return `the node at ${baseUrl} answered with a redirect${hint}`;
  }
  if (code === "ECONNRESET" || code === "ConnectionClosed") return `lost the connection to the node at ${baseUrl} (it closed unexpectedly${hint})`;
  // Bun appends advice about fetch's `verbose` option, which is no use to a user of the CLI.
  const text = errorText(err).replace(/\s*For more information, pass `verbose: true`.*$/s, "");
  return `cannot reach the node at ${baseUrl}: ${text}`;
}

/** Builds the CliError for a non-2xx answer from its JSON `{error, code, details?}` body. */
export async function errorFromResponse(res: Response): Promise<CliError> {
  const text = await res.text().catch(() => "");
  let body: { error?: unknown; code?: unknown; details?: unknown } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // Not our node's JSON (a proxy's HTML page, an empty 502): the status line is all we know.
  }
  const message = typeof body.error === "string" ? body.error : `HTTP ${res.status} ${res.statusText}`.trim();
  const code = typeof body.code === "string" ? body.code : `http_${res.status}`;
  const details = body.details && typeof body.details === "object" ? (body.details as Record<string, unknown>) : undefined;
  return new CliError(ExitCode.failed, message, code, details);
}

export class NodeClient {
  constructor(
    readonly baseUrl: string,
    /** Signs admin requests (admin-key.ts); absent: they go unsigned. */
    readonly adminKey?: ClusterKey,
    /** Sent with every request (credentials.ts): a user's password or token; an admin signature replaces it. */
    readonly authorization?: string,
    /** For an https:// node: the pinned certificate every request must meet (tls-pin.ts). */
    readonly pinning?: TlsPinning,
  ) {}

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ""}`;
  }

  /** Any answer, error statuses included; only a failure to get an answer at all throws (exit 3). */
  async send(method: string, path: string, init: SendInit = {}): Promise<Response> {
    const streaming = init.body instanceof ReadableStream;
    const tls = this.pinning ? await this.pinning.fetchOptions() : undefined;
    try {
      return await fetch(this.url(path, init.query), {
        method,
        headers: this.authorization ? { authorization: this.authorization, ...init.headers } : init.headers,
        body: init.body,
        // A streamed request body must say so (the fetch standard's rule; Bun accepts it too).
        ...(streaming ? { duplex: "half" } : {}),
        redirect: "error",
        signal: init.signal,
        ...(tls ? { tls } : {}),
      } as RequestInit);
    } catch (err) {
      const untrusted = await this.pinning?.explain();
      if (untrusted) throw untrusted;
      throw new CliError(ExitCode.unreachable, networkFailure(this.baseUrl, err));
    }
  }

  /** A 2xx answer, or the node's error as a CliError (exit 1). */
  async request(method: string, path: string, init: SendInit = {}): Promise<Response> {
    const res = await this.send(method, path, init);
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }

  /** An admin request: JSON in and out (a JSON body on every write, as the node's CSRF check wants), signed when the CLI has the key. */
  admin<T>(method: string, path: string, json: unknown = method === "GET" ? undefined : {}): Promise<T> {
    const body = json === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(json));
    const headers: Record<string, string> = json === undefined ? {} : { "content-type": "application/json" };
    if (this.adminKey) headers.authorization = signAdminRequest(this.adminKey, method, new URL(this.url(path)).pathname, body);
    return this.json<T>(method, path, { body: json === undefined ? undefined : body, headers });
  }

  async json<T>(method: string, path: string, init: SendInit & { json?: unknown } = {}): Promise<T> {
    const { json, ...rest } = init;
    const res = await this.request(
      method,
      path,
      json === undefined ? rest : { ...rest, body: JSON.stringify(json), headers: { "content-type": "application/json", ...rest.headers } },
    );
    try {
      return (await res.json()) as T;
    } catch (err) {
      throw new CliError(ExitCode.failed, `the node at ${this.baseUrl} sent an unreadable answer: ${errorText(err)}`);
    }
  }
}
