// PeerRpc over the network: member ids are resolved to transfer addresses from the current membership,
// chunk operations travel as binary frames and JSON methods as RPC frames, all on the pooled,
// authenticated connections of TransferClient. Calls to this node itself run its handlers directly.
import { TransferClient } from "../transfer/client.ts";
import { TransferError } from "../transfer/transfer-error.ts";
import { type Method, type RequestOf, type ResponseOf, rpcRequestLimit, rpcResponseLimit } from "./methods.ts";
import { callLocal, type CallOptions, checkAnswer, defaultTimeout, type LocalPeer, PeerRpcBase, type RpcTimeouts } from "./peer-rpc.ts";

export interface NetworkRpcComponents {
  selfId: string;
  client: TransferClient;
  /** Where a member's transfer port is now (undefined: not a member, or never seen). */
  address: (memberId: string) => { host: string; transferPort: number } | undefined;
  local: LocalPeer;
  timeouts: RpcTimeouts;
}

export class NetworkRpc extends PeerRpcBase {
  /** Calls made to other members, by method, for /metrics. */
  readonly calls = new Map<string, number>();

  constructor(private readonly c: NetworkRpcComponents) {
    super();
  }

  get selfId(): string {
    return this.c.selfId;
  }

  async call<M extends Method>(memberId: string, method: M, request: RequestOf<M>, opts: CallOptions = {}): Promise<ResponseOf<M>> {
    if (memberId === this.c.selfId) return callLocal(this.c.local, this.c.selfId, method, request);
    const at = this.c.address(memberId);
    if (!at) throw new TransferError("unknown_member", `no address known for member ${memberId}`, memberId);
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const peer = { id: memberId, host: at.host, port: at.transferPort };
    const timeout = opts.timeoutMs ?? defaultTimeout(method, this.c.timeouts);
    const client = this.c.client;
    switch (method) {
      case "chunk.put": {
        const r = request as RequestOf<"chunk.put">;
        return (await client.putChunk(peer, r.chunkId, r.data, timeout)) as ResponseOf<M>;
      }
      case "chunk.get":
        return (await client.getChunk(peer, (request as RequestOf<"chunk.get">).chunkId, timeout)) as ResponseOf<M>;
      case "chunk.has":
        return (await client.hasChunks(peer, (request as RequestOf<"chunk.has">).ids, timeout)) as ResponseOf<M>;
      default:
        return checkAnswer(
          method,
          memberId,
          await client.rpc(peer, method, request, timeout, { request: rpcRequestLimit(method), response: rpcResponseLimit(method) }),
        );
    }
  }
}
