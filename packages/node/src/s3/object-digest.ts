// The SHA-256 of a multipart object, computed as its parts arrive, in part order, so that Complete need
// not read the whole object back: the part next in order is hashed as it streams; parts ahead of it are
// held in memory (within a budget) until it is stored, or read back from the store once they are next.
//
// What a digest covers is recorded as each part's chunk ids (SHA-256 names of its bytes): Complete uses the
// longest prefix of its parts whose chunks are exactly those, and reads the rest back, so a part replaced,
// raced, copied, sent through another node or lost from memory costs a read, never a wrong hash.

/** Bytes of parts held in memory while they wait for the parts before them (per node, all uploads). */
export const HELD_BUDGET_BYTES = 16 * 1024 * 1024; // rclone's 3 parts ahead (5 MiB each) fit; it adds to peak RSS
/** Held bytes are copied into blocks of this size, reused (fresh memory costs more here than the copy). */
const BLOCK_BYTES = 1024 * 1024;
/** Uploads followed at once; the oldest is forgotten past this (its Complete reads the parts back). */
const MAX_UPLOADS = 256;

/** Reads stored chunks into `sink`, in order; throws when a chunk cannot be read whole and verified. */
export type ChunkFeeder = (chunkIds: readonly string[], sink: (piece: Uint8Array) => void) => Promise<void>;

interface Pending {
  n: number;
  /** live: hashed into `spec` as it streams; held: copied into `held`; lost: neither (read back when next). */
  mode: "live" | "held" | "lost";
  spec?: Bun.CryptoHasher;
  /** Blocks holding its bytes, the last one filled up to `fill`. */
  held: Uint8Array[];
  fill: number;
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
  /** The body to store (the same bytes). */
  stream: ReadableStream<Uint8Array> | null;
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

const untracked = (stream: ReadableStream<Uint8Array> | null): PartTap => ({ stream, stored: () => {}, failed: () => {} });

export class ObjectDigests {
  private readonly chains = new Map<string, Chain>();
  private heldBytes = 0;
  private blocksInUse = 0;
  /** Blocks no part holds, kept for the next (dropped when no upload is followed). */
  private free: Uint8Array[] = [];

  constructor(
    private readonly feed: ChunkFeeder,
    private readonly budget = HELD_BUDGET_BYTES,
    private readonly blockSize = BLOCK_BYTES,
  ) {}

  /** Bytes held in memory now (all uploads). */
  get held(): number {
    return this.heldBytes;
  }

  /** Follows part `n` of `uploadId` through `body`. */
  tap(uploadId: string, n: number, body: ReadableStream<Uint8Array> | null): PartTap {
    const chain = this.chainOf(uploadId);
    const next = this.nextOf(chain);
    const twin = chain.pending.get(n);
    if (chain.broken || n < next || twin) {
      // Two bodies of one part at once: which one stands is decided later; neither is followed.
      if (twin) this.lose(twin);
      return untracked(body);
    }
    const p: Pending = { n, mode: n === next && !chain.busy ? "live" : "held", held: [], fill: 0, heldBytes: 0 };
    if (p.mode === "live") p.spec = this.top(chain);
    chain.pending.set(n, p);
    const observe = (piece: Uint8Array) => {
      if (p.mode === "live") p.spec!.update(piece);
      else if (p.mode === "held") this.hold(chain, p, piece);
    };
    const done = () => chain.pending.get(n) === p;
    return {
      stream: body && passThrough(body, observe),
      stored: (chunks) => {
        if (!done()) return;
        p.stored = [...chunks];
        // Held, with nothing before it under way: it would wait for nobody, holding memory; read it back instead.
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
    if (this.chains.size === 0) this.free = [];
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

  private hold(chain: Chain, p: Pending, piece: Uint8Array): void {
    let rest = piece;
    while (rest.byteLength > 0) {
      const last = p.held[p.held.length - 1];
      if (!last || p.fill === last.byteLength) {
        if (!this.takeBlock(chain, p)) return;
        continue;
      }
      const n = Math.min(rest.byteLength, last.byteLength - p.fill);
      last.set(rest.subarray(0, n), p.fill);
      p.fill += n;
      p.heldBytes += n;
      this.heldBytes += n;
      rest = rest.subarray(n);
    }
  }

  /** One more block for `p`; false when `p` gave way instead (it is then lost). */
  private takeBlock(chain: Chain, p: Pending): boolean {
    // Over budget, the part furthest from its turn gives way first (it would wait longest).
    while ((this.blocksInUse + 1) * this.blockSize > this.budget) {
      const furthest = [...chain.pending.values()].filter((q) => q.mode === "held" && (q.held.length > 0 || q === p)).sort((a, b) => b.n - a.n)[0];
      if (!furthest || furthest === p) {
        this.lose(p);
        return false;
      }
      this.lose(furthest);
    }
    p.held.push(this.free.pop() ?? new Uint8Array(this.blockSize));
    p.fill = 0;
    this.blocksInUse++;
    return true;
  }

  /** Drops what a part holds; it is read back from the store when its turn comes. */
  private lose(p: Pending): void {
    this.drop(p);
    p.mode = "lost";
    p.spec = undefined;
  }

  private drop(p: Pending): void {
    this.heldBytes -= p.heldBytes;
    this.blocksInUse -= p.held.length;
    this.free.push(...p.held);
    p.held = [];
    p.fill = 0;
    p.heldBytes = 0;
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
          for (const [i, block] of p.held.entries()) p.spec.update(i === p.held.length - 1 ? block.subarray(0, p.fill) : block);
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

/** `body` unchanged, with every piece shown to `observe` as it passes. */
function passThrough(body: ReadableStream<Uint8Array>, observe: (piece: Uint8Array) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      observe(value);
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
