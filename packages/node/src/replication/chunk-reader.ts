// Reads a chunk from wherever a good copy is: the local store first, then the ring owners, then any
// other ring member (a chunk may still sit on an old owner). Every copy is verified against its id
// before it is returned; a bad or missing replica is reported so that it can be repaired.
import { ChunkNotFoundError, errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ChunkStore } from "../store/chunk-store.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { Placement } from "./placement.ts";

export interface ChunkReaderComponents {
  selfId: string;
  placement: Placement;
  store: ChunkStore;
  rpc: PeerRpc;
  log: Logger;
  /** An owner that lacks the chunk or holds a corrupt copy: queue a copy to it. */
  onBadReplica?: (chunkId: string, memberId: string, reason: string) => void;
}

export class ChunkReader {
  constructor(private readonly c: ChunkReaderComponents) {}

  /** Candidate holders in the order they are tried. */
  candidates(chunkId: string): string[] {
    const owners = this.c.placement.owners(chunkId);
    const rest = this.c.placement
      .ring.memberIds.filter((id) => !owners.includes(id))
      .sort();
    const order = [...owners, ...rest].filter((id) => id !== this.c.selfId);
    return [this.c.selfId, ...order];
  }

  async read(chunkId: string): Promise<Uint8Array> {
    const { selfId, store, rpc, placement, log } = this.c;
    const owners = placement.owners(chunkId);
    const failures: string[] = [];
    let localBad = false;
    for (const id of this.candidates(chunkId)) {
      if (id === selfId) {
        if (!store.has(chunkId)) {
          if (owners.includes(selfId)) localBad = true;
          continue;
        }
        try {
          return await store.get(chunkId);
        } catch (err) {
          localBad = owners.includes(selfId);
          failures.push(`${selfId}: ${errorMessage(err)}`);
          log.error("local chunk unreadable, trying replicas", { chunk: chunkId, err });
          continue;
        }
      }
      if (!placement.member(id)) continue;
      try {
        const data = await rpc.call(id, "chunk.get", { chunkId });
        if (localBad) this.repairLocal(chunkId, data);
        return data;
      } catch (err) {
        failures.push(`${id}: ${errorMessage(err)}`);
        if (owners.includes(id)) this.c.onBadReplica?.(chunkId, id, errorMessage(err));
        log.warn("replica read failed, failing over", { chunk: chunkId, peer: id, err });
      }
    }
    if (failures.length === 0) throw new ChunkNotFoundError(chunkId, "any live member");
    throw new ChunkUnavailableError(chunkId, failures);
  }

  private repairLocal(chunkId: string, data: Uint8Array): void {
    this.c.store.put(chunkId, data).then(
      () => this.c.log.info("read repair: restored local copy", { chunk: chunkId }),
      (err) => this.c.log.error("read repair failed", { chunk: chunkId, err }),
    );
  }
}

export class ChunkUnavailableError extends Error {
  constructor(
    readonly chunkId: string,
    readonly failures: string[],
  ) {
    super(`no readable copy of chunk ${chunkId} (${failures.join("; ")})`);
    this.name = "ChunkUnavailableError";
  }
}

