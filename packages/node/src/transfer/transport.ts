// What the replication layer needs from a chunk transport: the TCP TransferClient in production,
// the same client behind a fault injector in partition tests.
import type { TransferClient } from "./client.ts";

export type ChunkTransport = Pick<TransferClient, "putChunk" | "getChunk" | "hasChunks">;
