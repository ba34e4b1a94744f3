// The typed failure of a call to another node's transfer port: what went wrong (a code callers branch on),
// with the peer and the chunk it concerns.
import type { RpcStatus } from "./frames.ts";

export type TransferErrorCode =
  | "connect"
  /** The peer could not prove it holds the cluster key, or does not hold ours. */
  | "auth"
  /** Another node answers at the member's address. */
  | "wrong_node"
  /** No such member, or it has no address. */
  | "unknown_member"
  | "timeout"
  | "hash_mismatch"
  | "store_full"
  | "not_found"
  | "corrupt"
  | "protocol"
  | "remote"
  /** An RPC the peer rejected as malformed. */
  | "bad_request"
  /** An RPC the peer does not serve (a node of an earlier version, or one without RPC handlers). */
  | "unknown_method";

/** The error code of an RPC answer that is not ok. */
export function rpcErrorCode(status: Exclude<RpcStatus, "ok">): TransferErrorCode {
  return status === "error" ? "remote" : status;
}

export class TransferError extends Error {
  constructor(
    readonly code: TransferErrorCode,
    message: string,
    readonly peer?: string,
    readonly chunkId?: string,
  ) {
    super(message);
    this.name = "TransferError";
  }
}
