// PeerRpc inside one process: members are LocalPeers registered on a MemoryNetwork, and a call runs the
// target's handlers after a JSON round trip (so nothing is shared by reference, as over a wire) and the
// same schema checks as the network. A member can be taken down (calls fail to connect) or hung (calls
// time out); a MemoryLink decides how messages travel (instant by default; the simulator's network adds
// delay, loss and partitions), and each member's timeouts run on its own clock.
import { ChunkCorruptError, ChunkNotFoundError, errorMessage, StoreFullError } from "../errors.ts";
import { rpcErrorCode, TransferError, type TransferErrorCode } from "../transfer/transfer-error.ts";
import { type Clock, systemClock, withTimeout } from "../util/clock.ts";
import { isJsonMethod, type Method, type RequestOf, type ResponseOf } from "./methods.ts";
import {
  callLocal,
  type CallOptions,
  checkAnswer,
  DEFAULT_RPC_TIMEOUTS,
  defaultTimeout,
  dispatchJson,
  type LocalPeer,
  PeerRpcBase,
  type PeerRpc,
  type RpcTimeouts,
} from "./peer-rpc.ts";

/** How messages travel between members; the simulator's delays, loss and partitions plug in here. */
export interface MemoryLink {
  /** Resolves when a message from `from` reaches `to`; never, if it is lost. */
  hop(from: string, to: string): Promise<void>;
}

/** What a member's side of the network runs on: its clock, and whether its process is still alive. */
export interface MemberRuntime {
  clock?: Clock;
  /** False once the calling process has died: its calls never settle (nothing of it runs any more). */
  alive?: () => boolean;
}

const instant: MemoryLink = { hop: () => Promise.resolve() };

export class MemoryNetwork {
  private readonly peers = new Map<string, LocalPeer>();
  private readonly down = new Set<string>();
  private readonly hung = new Set<string>();

  constructor(
    readonly timeouts: RpcTimeouts = DEFAULT_RPC_TIMEOUTS,
    readonly link: MemoryLink = instant,
  ) {}

  register(id: string, peer: LocalPeer, runtime: MemberRuntime = {}): PeerRpc {
    this.peers.set(id, peer);
    this.down.delete(id);
    return new MemoryRpc(this, id, runtime.clock ?? systemClock, runtime.alive ?? (() => true));
  }

  /** Calls to a down member fail at once, as a refused connection does. */
  setDown(id: string, down: boolean): void {
    if (down) this.down.add(id);
    else this.down.delete(id);
  }

  /** Calls to a hung member never answer; they end by timeout, as with a stopped process. */
  setHung(id: string, hung: boolean): void {
    if (hung) this.hung.add(id);
    else this.hung.delete(id);
  }

  /** @internal */
  target(to: string): LocalPeer | "down" | "hung" | undefined {
    if (this.down.has(to)) return "down";
    if (this.hung.has(to)) return "hung";
    return this.peers.get(to);
  }
}

const never = <T>() => new Promise<T>(() => {});

class MemoryRpc extends PeerRpcBase {
  constructor(
    private readonly net: MemoryNetwork,
    readonly selfId: string,
    clock: Clock,
    private readonly alive: () => boolean,
  ) {
    super();
    this.clock = clock;
  }

  async call<M extends Method>(memberId: string, method: M, request: RequestOf<M>, opts: CallOptions = {}): Promise<ResponseOf<M>> {
    const timeout = opts.timeoutMs ?? defaultTimeout(method, this.net.timeouts);
    const outcome = await settled(
      withTimeout(this.clock, timeout, this.exchange(memberId, method, request), () => new TransferError("timeout", `no answer from ${memberId} within ${timeout} ms`, memberId)),
    );
    if (!this.alive()) return never();
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private async exchange<M extends Method>(memberId: string, method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
    if (this.net.target(memberId) === undefined) throw new TransferError("unknown_member", `no address known for member ${memberId}`, memberId);
    // Nothing is shared by reference, as over a wire: chunk bytes are copied, JSON goes through text.
    const sent = isJsonMethod(method)
      ? JSON.parse(JSON.stringify(request))
      : method === "chunk.put"
        ? { ...(request as RequestOf<"chunk.put">), data: new Uint8Array((request as RequestOf<"chunk.put">).data) }
        : request;
    await this.net.link.hop(this.selfId, memberId);
    const target = this.net.target(memberId);
    if (target === "hung" || target === undefined) return never();
    let answer: { ok: true; body: unknown } | { ok: false; error: unknown };
    if (target === "down") answer = { ok: false, error: new TransferError("connect", `cannot connect to ${memberId}: connection refused`, memberId) };
    else answer = await serve(target, this.selfId, memberId, method, sent);
    await this.net.link.hop(memberId, this.selfId);
    if (!answer.ok) throw answer.error;
    return (isJsonMethod(method) ? checkAnswer(method, memberId, JSON.parse(JSON.stringify(answer.body))) : answer.body) as ResponseOf<M>;
  }
}

/** Runs a request on the target as its transfer server would, failures as the wire reports them. */
async function serve(target: LocalPeer, from: string, memberId: string, method: Method, request: unknown): Promise<{ ok: true; body: unknown } | { ok: false; error: unknown }> {
  if (!isJsonMethod(method)) {
    try {
      return { ok: true, body: await callLocal(target, memberId, method, request as RequestOf<typeof method>) };
    } catch (err) {
      return { ok: false, error: asWireError(err, method, memberId) };
    }
  }
  const answer = await dispatchJson(target.handlers, from, method, request);
  if (answer.status === "ok") return { ok: true, body: answer.body };
  const message = (answer.body as { error?: string })?.error ?? answer.status;
  return { ok: false, error: new TransferError(rpcErrorCode(answer.status), `${method} on ${memberId} failed (${answer.status}): ${message}`, memberId) };
}

function settled<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error) => ({ ok: false as const, error }),
  );
}

/** A store failure as the transfer server reports it to a remote caller (transfer/server.ts). */
function asWireError(err: unknown, method: string, memberId: string): TransferError {
  if (err instanceof TransferError) return err;
  const code: TransferErrorCode =
    err instanceof ChunkNotFoundError
      ? "not_found"
      : err instanceof ChunkCorruptError
        ? method === "chunk.put" ? "hash_mismatch" : "corrupt"
        : err instanceof StoreFullError
          ? "store_full"
          : "remote";
  return new TransferError(code, `${method} on ${memberId} failed (${code}): ${errorMessage(err)}`, memberId);
}
