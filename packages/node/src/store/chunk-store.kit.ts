// What the ChunkStorage conformance suite (chunk-store.case.ts) is built from: the store a test opens on a clock
// it moves, random chunks, and the error fields tests match on. Also used by other store and replication tests.
import { afterEach } from "bun:test";
import { type ChunkStorage, sha256Hex } from "./chunk-storage.ts";

export interface ChunkStoreOptions {
  maxChunkSize: number;
  quotaBytes?: number;
  minFreeBytes?: number;
  now: () => number;
}

export interface ChunkStoreFixture {
  store: ChunkStorage;
  /** Flips a bit of the stored copy of `id`, as a bad disk would. */
  corrupt(id: string): void;
  close?(): void;
}

export type NewChunkStore = (opts: ChunkStoreOptions) => ChunkStoreFixture;

export const MAX_CHUNK = 1 << 20;

export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

export function randomChunk(n: number): { id: string; data: Uint8Array } {
  const data = randomBytes(n);
  return { id: sha256Hex(data), data };
}

/** The fields of an OrreryError that a test matches on. */
export const code = (status: number, c: string) => ({ status, code: c });

/** One store per call, on a clock the test moves; closed after each test. */
export function harness(make: NewChunkStore) {
  const opened: ChunkStoreFixture[] = [];
  const clock = { ms: 1_700_000_000_000 };
  afterEach(() => {
    for (const f of opened.splice(0)) f.close?.();
  });
  const open = (extra: Partial<ChunkStoreOptions> = {}): ChunkStoreFixture => {
    const f = make({ maxChunkSize: MAX_CHUNK, now: () => clock.ms, ...extra });
    opened.push(f);
    return f;
  };
  return { open, clock };
}

export type Harness = ReturnType<typeof harness>;
