// Fault injection for partition tests (enabled only with FAULT_INJECTION=true): cuts this node off
// from chosen peers on every channel — gossip datagrams both ways, and its outgoing chunk transfers
// and manifest pushes/pulls. Applied on both sides, it is a clean network partition.
import { TransferError } from "../transfer/client.ts";
import type { ChunkTransport } from "../transfer/transport.ts";

export class FaultInjector {
  private blocked = new Set<string>();
  private listeners = new Set<(ids: ReadonlySet<string>) => void>();

  isBlocked(memberId: string): boolean {
    return this.blocked.has(memberId);
  }

  blockedPeers(): string[] {
    return [...this.blocked].sort();
  }

  setBlocked(memberIds: readonly string[]): void {
    this.blocked = new Set(memberIds);
    for (const l of this.listeners) l(this.blocked);
  }

  onChange(fn: (ids: ReadonlySet<string>) => void): void {
    this.listeners.add(fn);
  }

  /** A transport that refuses to reach blocked peers, as a partitioned network would. */
  wrap(transport: ChunkTransport, memberAt: (host: string, port: number) => string | undefined): ChunkTransport {
    const guard = (peer: { host: string; port: number }) => {
      const id = memberAt(peer.host, peer.port);
      if (id !== undefined && this.blocked.has(id)) {
        throw new TransferError("connect", `fault injection: ${id} is partitioned away`);
      }
    };
    return {
      putChunk: async (peer, id, data) => {
        guard(peer);
        return transport.putChunk(peer, id, data);
      },
      getChunk: async (peer, id) => {
        guard(peer);
        return transport.getChunk(peer, id);
      },
      hasChunks: async (peer, ids) => {
        guard(peer);
        return transport.hasChunks(peer, ids);
      },
    };
  }
}
