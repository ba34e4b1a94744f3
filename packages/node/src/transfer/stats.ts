// Counters of the transfer layer, for /metrics and for tests that must prove a node exchanged no chunk
// data with a peer (a node with the wrong cluster key): bytes of chunk payload each way, bytes of RPC answers by
// method, and handshakes by outcome.
import type { HandshakeFailure } from "../security/handshake.ts";

export class TransferStats {
  /** Chunk payload bytes received (PUT bodies served, CHUNK_DATA fetched). */
  chunkBytesIn = 0;
  /** Chunk payload bytes sent (CHUNK_DATA served, PUT bodies uploaded). */
  chunkBytesOut = 0;
  /** Bytes of RPC answers received (their JSON, and the status byte), by method: what each kind of call brings back. */
  readonly rpcAnswerBytes = new Map<string, number>();
  handshakesOk = 0;
  readonly handshakesFailed: Record<HandshakeFailure, number> = {
    unknown_key: 0,
    bad_mac: 0,
    wrong_node: 0,
    malformed: 0,
    refused: 0,
    timeout: 0,
    closed: 0,
  };
}
