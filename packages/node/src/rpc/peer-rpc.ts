// The one way a node talks to another node: calls addressed by member id, whether the member is this
// node itself (a local call), a real peer over the authenticated transfer connection (network-rpc.ts),
// or a peer in the same process (memory-rpc.ts: unit tests and the simulator). Both implementations pass
// the shared suite in peer-rpc.case.ts; fault injection wraps either (faulty-rpc.ts).
import { errorMessage } from "../errors.ts";
import type { ChunkStorage } from "../store/chunk-storage.ts";
import { rpcErrorCode, TransferError } from "../transfer/transfer-error.ts";
import type { RpcStatus } from "../transfer/frames.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { callMany, type CallManyOptions, type CallManyResult } from "./call-many.ts";
import { fastChecks } from "./fast-checks.ts";
import { isJsonMethod, type JsonHandlers, jsonMethods, type Method, type RequestOf, type ResponseOf } from "./methods.ts";

export interface CallOptions {
  /** Overrides the method's default timeout (config: PEER_REQUEST_TIMEOUT_MS / PEER_CONTROL_TIMEOUT_MS). */
  timeoutMs?: number;
}

export interface PeerRpc {
  readonly selfId: string;
  call<M extends Method>(memberId: string, method: M, request: RequestOf<M>, opts?: CallOptions): Promise<ResponseOf<M>>;
  /** The same call to several members, resolved at a quorum plus a grace period (call-many.ts). */
  callMany<M extends Method>(
    memberIds: readonly string[],
    method: M,
    request: RequestOf<M>,
    opts: CallManyOptions<ResponseOf<M>> & CallOptions,
  ): Promise<CallManyResult<ResponseOf<M>>>;
}

/** The shared part of every implementation: callMany is call() fanned out. */
export abstract class PeerRpcBase implements PeerRpc {
  abstract readonly selfId: string;
  /** The clock of the calling node: timeouts and callMany's grace run on it. */
  protected clock: Clock = systemClock;
  abstract call<M extends Method>(memberId: string, method: M, request: RequestOf<M>, opts?: CallOptions): Promise<ResponseOf<M>>;

  callMany<M extends Method>(
    memberIds: readonly string[],
    method: M,
    request: RequestOf<M>,
    opts: CallManyOptions<ResponseOf<M>> & CallOptions,
  ): Promise<CallManyResult<ResponseOf<M>>> {
    return callMany(memberIds, (id) => this.call(id, method, request, opts), { clock: this.clock, ...opts });
  }
}

/** What a node serves to its peers (and to itself). Never putSelfHashed: a peer's bytes are always hashed. */
export interface LocalPeer {
  store: Pick<ChunkStorage, "put" | "get" | "has">;
  handlers: JsonHandlers;
}

/** Timeouts by kind of call; every caller's default comes from here (config). */
export interface RpcTimeouts {
  connectMs: number;
  /** Calls that move data: chunks, manifest sync pages, digests. */
  dataMs: number;
  /** Small control calls: manifest pushes, status, keys. */
  controlMs: number;
}

export const DEFAULT_RPC_TIMEOUTS: RpcTimeouts = { connectMs: 5_000, dataMs: 30_000, controlMs: 5_000 };

const CONTROL = new Set<Method>([
  "manifests.push",
  "manifests.get",
  "manifests.newer",
  "manifests.children",
  "manifests.newerChildren",
  "manifests.parents",
  "changes.watch",
  "paxos.prepare",
  "paxos.accept",
  "node.status",
  "events.recent",
  "history.points",
  "swim.ping",
  "keys.list",
  "keys.install",
  "keys.use",
  "keys.remove",
]);

export function defaultTimeout(method: Method, t: RpcTimeouts): number {
  return CONTROL.has(method) ? t.controlMs : t.dataMs;
}

/** Validates a JSON request, runs its handler, validates nothing more (the caller checks the answer). */
export async function dispatchJson(
  handlers: JsonHandlers,
  from: string,
  method: string,
  body: unknown,
): Promise<{ status: RpcStatus; body: unknown }> {
  if (!isJsonMethod(method) || !handlers[method]) return { status: "unknown_method", body: { error: `unknown method ${method}` } };
  // The hot frames' hand-written check accepts what the schema would (fast-checks.ts); the schema judges the rest.
  let request: unknown = body;
  if (!fastChecks[method]?.request(body)) {
    const parsed = jsonMethods[method].request.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { status: "bad_request", body: { error: `${method}: ${issue.path.join(".") || "(root)"}: ${issue.message}` } };
    }
    request = parsed.data;
  }
  const handler = handlers[method] as (from: string, request: unknown) => unknown;
  try {
    return { status: "ok", body: await handler(from, request) };
  } catch (err) {
    const status = (err as { status?: number }).status;
    return { status: status !== undefined && status >= 400 && status < 500 ? "bad_request" : "error", body: { error: errorMessage(err) } };
  }
}

/** Checks an answer against the method's schema; a peer that answers nonsense is a protocol failure. */
export function checkAnswer<M extends Method>(method: M, memberId: string, body: unknown): ResponseOf<M> {
  if (!isJsonMethod(method)) return body as ResponseOf<M>;
  if (fastChecks[method]?.response(body)) return body as ResponseOf<M>;
  const parsed = jsonMethods[method].response.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TransferError("protocol", `${method} answer from ${memberId} is invalid at ${issue.path.join(".") || "(root)"}: ${issue.message}`, memberId);
  }
  return parsed.data as ResponseOf<M>;
}

/** A call to this node itself: the same handlers peers reach, without a connection. */
export async function callLocal<M extends Method>(local: LocalPeer, selfId: string, method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
  switch (method) {
    case "chunk.put": {
      const r = request as RequestOf<"chunk.put">;
      await local.store.put(r.chunkId, r.data);
      return undefined as ResponseOf<M>;
    }
    case "chunk.get":
      return (await local.store.get((request as RequestOf<"chunk.get">).chunkId)) as ResponseOf<M>;
    case "chunk.has":
      return (request as RequestOf<"chunk.has">).ids.map((id) => local.store.has(id)) as ResponseOf<M>;
  }
  const answer = await dispatchJson(local.handlers, selfId, method, request);
  if (answer.status !== "ok") {
    const message = (answer.body as { error?: string })?.error ?? answer.status;
    throw new TransferError(rpcErrorCode(answer.status), `${method} on ${selfId} failed: ${message}`, selfId);
  }
  return answer.body as ResponseOf<M>;
}
