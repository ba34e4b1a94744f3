// Replica health per file, fetched lazily (a row asks when it scrolls into view) with a few
// requests at a time, and cached by path and version so a re-render does not ask again.
import { SvelteMap } from "svelte/reactivity";
import { api, statChunks } from "./api.ts";

export interface ReplicaInfo {
  state: "loading" | "ok" | "error";
  /** Fewest copies of any chunk that exist now. */
  copies?: number;
  /** The replication factor the cluster can have now. */
  n?: number;
  chunks?: number;
  unreachable?: string[];
  error?: string;
  /** When the answer came (ms). */
  at?: number;
}

const CONCURRENCY = 4;

class ReplicaHealthCache {
  private cache = new SvelteMap<string, ReplicaInfo>();
  private waiting: { key: string; path: string }[] = [];
  private running = 0;
  private pending = new Set<string>();

  /** The health of a file version; starts a fetch the first time it is asked for. */
  get(path: string, version: string): ReplicaInfo | undefined {
    return this.cache.get(keyOf(path, version));
  }

  /** Fetches unless a fetch is under way or an answer younger than `maxAgeMs` is cached. */
  request(path: string, version: string, maxAgeMs = Number.POSITIVE_INFINITY): void {
    const key = keyOf(path, version);
    const have = this.cache.get(key);
    if (this.pending.has(key)) return;
    if (have && Date.now() - (have.at ?? 0) < maxAgeMs) return;
    this.pending.add(key);
    // An earlier answer stays on screen while the new one loads.
    if (!have) this.cache.set(key, { state: "loading" });
    this.waiting.push({ key, path });
    this.drain();
  }

  private drain(): void {
    while (this.running < CONCURRENCY && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      api
        .stat(job.path)
        .then((s) => {
          this.cache.set(job.key, {
            state: "ok",
            copies: s.minCopies,
            n: s.replicationFactor,
            chunks: statChunks(s).length,
            unreachable: Object.keys(s.unreachable ?? {}),
            at: Date.now(),
          });
        })
        .catch((err: unknown) =>
          this.cache.set(job.key, { state: "error", error: err instanceof Error ? err.message : String(err), at: Date.now() }),
        )
        .finally(() => {
          this.pending.delete(job.key);
          this.running--;
          this.drain();
        });
    }
  }
}

const keyOf = (path: string, version: string) => `${path}\u0000${version}`;

export const replicaHealth = new ReplicaHealthCache();
