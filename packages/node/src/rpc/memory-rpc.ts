// PeerRpc inside one process: members are LocalPeers registered on a MemoryNetwork, and a call runs the
// target's handlers after a JSON round trip (so nothing is shared by reference, as over a wire) and the
// same schema checks as the network. A member can be taken down (calls fail to connect) or hung (calls
// time out), which is what unit tests and the simulator need.
import { ChunkCorruptError, ChunkNotFoundError, errorMessage, StoreFullError } from "../errors.ts";
import { TransferError, type TransferErrorCode } from "../transfer/client.ts";
import { isJsonMethod, type Method, type RequestOf, type ResponseOf } from "./methods.ts";
import {
  callLocal,
  type CallOptions,
  checkAnswer,
  DEFAULT_RPC_TIMEOUTS,
  defaultTimeout,
  dispatchJson,
  type LocalPeer,
  PeerRpcBase, type PeerRpc,
  type RpcTimeouts,
} from "./peer-rpc.ts";

export class MemoryNetwork {
  private readonly peers = new Map<string, LocalPeer>();
  private readonly down = new Set<string>();
  private readonly hung = new Set<string>();

  constructor(readonly timeouts: RpcTimeouts = DEFAULT_RPC_TIMEOUTS) {}

  register(id: string, peer: LocalPeer): PeerRpc {
    this.peers.set(id, peer);
    return new MemoryRpc(this, id);
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
  target(from: string, to: string): LocalPeer | "down" | "hung" | undefined {
    if (this.down.has(to)) return "down";
    if (this.hung.has(to)) return "hung";
    return this.peers.get(to);
  }
}

class MemoryRpc extends PeerRpcBase {
  constructor(
    private readonly net: MemoryNetwork,
    readonly selfId: string,
  ) {
    super();
  }

  async call<M extends Method>(memberId: string, method: M, request: RequestOf<M>, opts: CallOptions = {}): Promise<ResponseOf<M>> {
    const target = this.net.target(this.selfId, memberId);
    if (target === undefined) throw new TransferError("unknown_member", `no address known for member ${memberId}`, memberId);
    if (target === "down") throw new TransferError("connect", `cannot connect to ${memberId}: connection refused`, memberId);
    const timeout = opts.timeoutMs ?? defaultTimeout(method, this.net.timeouts);
    if (target === "hung") {
      await Bun.sleep(timeout);
      throw new TransferError("timeout", `no answer from ${memberId} within ${timeout} ms`, memberId);
    }
    if (!isJsonMethod(method)) {
      // Chunk bytes are copied, as a wire would.
      const req = method === "chunk.put" ? { ...(request as RequestOf<"chunk.put">), data: (request as RequestOf<"chunk.put">).data.slice() } : request;
      try {
        return await callLocal(target, memberId, method, req as RequestOf<M>);
      } catch (err) {
        throw asWireError(err, method, memberId);
      }
    }
    const answer = await dispatchJson(target.handlers, this.selfId, method, JSON.parse(JSON.stringify(request)));
    if (answer.status !== "ok") {
      const message = (answer.body as { error?: string })?.error ?? answer.status;
      throw new TransferError(answer.status === "error" ? "remote" : "bad_request", `${method} on ${memberId} failed (${answer.status}): ${message}`, memberId);
    }
    return checkAnswer(method, memberId, JSON.parse(JSON.stringify(answer.body)));
  }
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
