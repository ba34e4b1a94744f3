// The SHA-256 of a multipart object, computed as its parts arrive, in part order, so that Complete need
// not read the whole object back: the part next in order is hashed chunk by chunk as it is stored; the chunks
// of parts ahead of it stay in the upload buffers they were cut in (no copy) until its turn, or, when uploads
// need those buffers (the pool's limit, UPLOAD_MEMORY_MB), are let go and read back from the store then.
//
// What a digest covers is recorded as each part's chunk ids (SHA-256 names of its bytes): Complete uses the
// longest prefix of its parts whose chunks are exactly those, and reads the rest back, so a part replaced,
// raced, copied, sent through another node or let go costs a read, never a wrong hash.
import type { ChunkRetainer } from "../filesystem/upload.ts";

/** Uploads followed at once; the oldest is forgotten past this (its Complete reads the parts back). */
const MAX_UPLOADS = 256;

/** Reads stored chunks into `sink`, in order; throws when a chunk cannot be read whole and verified. */
export type ChunkFeeder = (chunkIds: readonly string[], sink: (piece: Uint8Array) => void) => Promise<void>;

/** A chunk's bytes kept in its upload buffer, and how to give that buffer back. */
interface Kept {
  data: Uint8Array;
  release: () => void;
}

interface Pending {
  n: number;
  /** live: hashed into `spec` as its chunks come; held: its chunks kept in `held`; lost: neither (read back when next). */
  mode: "live" | "held" | "lost";
  spec?: Bun.CryptoHasher;
  held: Kept[];
  heldBytes: number;
  /** The stored part's chunk ids, once its put succeeded. */
  stored?: string[];
}

interface Chain {
  /** states[i]: SHA-256 state after parts done[0..i], in order. */
  states: Bun.CryptoHasher[];
  done: { n: number; chunks: string[] }[];
  pending: Map<number, Pending>;
  /** A read-back is under way (promote runs one at a time). */
  busy: boolean;
  /** A read-back failed: the chain stops here (Complete reads the rest). */
  broken: boolean;
}

/** One part's upload, as the digest follows it. */
export interface PartTap {
  /** Given to the part's put (PutOptions.retain): sees its chunks in order, keeps those of a part ahead of its turn. */
  retain: ChunkRetainer;
  /** The put succeeded with these chunks. */
  stored(chunks: readonly string[]): void;
  /** The put failed: nothing of this body counts. */
  failed(): void;
}

/** What Complete can start from: the digest state after its first `covered` parts (none when 0). */
export interface DigestPrefix {
  covered: number;
  state: Bun.CryptoHasher | undefined;
}

const untracked: PartTap = { retain: () => false, stored: () => {}, failed: () => {} };

export class ObjectDigests {
  private readonly chains = new Map<string, Chain>();
  private heldBytes = 0;

  constructor(private readonly feed: ChunkFeeder) {}

  /** Bytes of parts kept for their turn now (all uploads). */
  get held(): number {
    return this.heldBytes;
  }

  /** Follows part `n` of `uploadId`: give `retain` to its put, then call `stored` or `failed`. */
  tap(uploadId: string, n: number): PartTap {
    const chain = this.chainOf(uploadId);
    const next = this.nextOf(chain);
    const twin = chain.pending.get(n);
    if (chain.broken || n < next || twin) {
      // Two bodies of one part at once: which one stands is decided later; neither is followed.
      if (twin) this.lose(twin);
      return untracked;
    }
    const p: Pending = { n, mode: n === next && !chain.busy ? "live" : "held", held: [], heldBytes: 0 };
    if (p.mode === "live") p.spec = this.top(chain);
    chain.pending.set(n, p);
    const done = () => chain.pending.get(n) === p;
    return {
      retain: (data, release) => {
        if (!done() || p.mode === "lost") return false;
        if (p.mode === "live") {
          p.spec!.update(data);
          return false;
        }
        p.held.push({ data, release });
        p.heldBytes += data.byteLength;
        this.heldBytes += data.byteLength;
        return true;
      },
      stored: (chunks) => {
        if (!done()) return;
        p.stored = [...chunks];
        // Held, with nothing before it under way: it would wait for nobody, keeping buffers; read it back instead.
        if (p.mode === "held" && !chain.pending.has(this.nextOf(chain))) this.lose(p);
        void this.promote(uploadId, chain);
      },
      failed: () => {
        if (!done()) return;
        this.drop(p);
        chain.pending.delete(n);
      },
    };
  }

  /**
   * Lets go of the held part furthest from its turn (of any upload): uploads wait for the buffers it keeps.
   * False when none is held. Registered with the node's chunk buffer pool (ChunkBufferPool.addRelief).
   */
  readonly relieve = (): boolean => {
    let furthest: { p: Pending; ahead: number } | undefined;
    for (const chain of this.chains.values()) {
      const next = this.nextOf(chain);
      for (const p of chain.pending.values()) {
        if (p.mode === "held" && p.held.length > 0 && (!furthest || p.n - next > furthest.ahead)) furthest = { p, ahead: p.n - next };
      }
    }
    if (!furthest) return false;
    this.lose(furthest.p);
    return true;
  };

  /** The digest state Complete can start from for `parts` (in order), and how many of them it covers. */
  prefix(uploadId: string, parts: readonly { n: number; chunks: readonly string[] }[]): DigestPrefix {
    const chain = this.chains.get(uploadId);
    let k = 0;
    while (chain && k < chain.done.length && k < parts.length && chain.done[k]!.n === parts[k]!.n && sameIds(chain.done[k]!.chunks, parts[k]!.chunks)) k++;
    return { covered: k, state: k > 0 ? chain!.states[k - 1]!.copy() : undefined };
  }

  /** The upload is completed or aborted. */
  forget(uploadId: string): void {
    const chain = this.chains.get(uploadId);
    if (!chain) return;
    for (const p of chain.pending.values()) this.drop(p);
    this.chains.delete(uploadId);
  }

  private chainOf(uploadId: string): Chain {
    let chain = this.chains.get(uploadId);
    if (!chain) {
      if (this.chains.size >= MAX_UPLOADS) this.forget(this.chains.keys().next().value!);
      chain = { states: [], done: [], pending: new Map(), busy: false, broken: false };
      this.chains.set(uploadId, chain);
    }
    return chain;
  }

  private nextOf(chain: Chain): number {
    return (chain.done[chain.done.length - 1]?.n ?? 0) + 1;
  }

  /** A fresh copy of the chain's latest state (the empty hash at the start). */
  private top(chain: Chain): Bun.CryptoHasher {
    return chain.states[chain.states.length - 1]?.copy() ?? new Bun.CryptoHasher("sha256");
  }

  /** Drops what a part holds; it is read back from the store when its turn comes. */
  private lose(p: Pending): void {
    this.drop(p);
    p.mode = "lost";
    p.spec = undefined;
  }

  private drop(p: Pending): void {
    const kept = p.held;
    this.heldBytes -= p.heldBytes;
    p.held = [];
    p.heldBytes = 0;
    for (const k of kept) k.release();
  }

  /** Moves the chain forward over every part that is next in order and ready. */
  private async promote(uploadId: string, chain: Chain): Promise<void> {
    if (chain.busy) return;
    chain.busy = true;
    try {
      for (;;) {
        if (chain.broken || this.chains.get(uploadId) !== chain) return;
        const p = chain.pending.get(this.nextOf(chain));
        if (!p) return;
        if (p.mode === "held") {
          // Its turn: what it holds goes into the state, and the rest of it (if it still streams) as it comes.
          p.spec = this.top(chain);
          for (const k of p.held) p.spec.update(k.data);
          this.drop(p);
          p.mode = "live";
        }
        if (p.stored === undefined) return; // it commits when its put succeeds
        if (p.mode === "lost") {
          const spec = this.top(chain);
          try {
            await this.feed(p.stored, (piece) => spec.update(piece));
          } catch {
            chain.broken = true;
            return;
          }
          if (chain.pending.get(p.n) !== p) return;
          p.spec = spec;
        }
        chain.states.push(p.spec!);
        chain.done.push({ n: p.n, chunks: p.stored });
        chain.pending.delete(p.n);
      }
    } finally {
      chain.busy = false;
    }
  }
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
