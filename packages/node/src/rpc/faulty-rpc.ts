// Fault injection for partition tests (FAULT_INJECTION=true only): a PeerRpc that refuses to reach the
// members this node is cut off from, as a partitioned network would. Applied on both sides (and to gossip,
// by the node), it is a clean partition.
import { TransferError } from "../transfer/transfer-error.ts";
import type { Method, RequestOf, ResponseOf } from "./methods.ts";
import { type CallOptions, type PeerRpc, PeerRpcBase } from "./peer-rpc.ts";

export class FaultyRpc extends PeerRpcBase {
  constructor(
    private readonly inner: PeerRpc,
    private readonly isBlocked: (memberId: string) => boolean,
  ) {
    super();
  }

  get selfId(): string {
    return this.inner.selfId;
  }

  async call<M extends Method>(memberId: string, method: M, request: RequestOf<M>, opts?: CallOptions): Promise<ResponseOf<M>> {
    if (this.isBlocked(memberId)) throw new TransferError("connect", `fault injection: ${memberId} is partitioned away`, memberId);
    return this.inner.call(memberId, method, request, opts);
  }
}
