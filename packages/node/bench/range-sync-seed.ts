// The rows the range sync benchmarks start from: `rows` small files ("abc", kept in their rows) in `folders`
// folders, written once into a SQLite database that each node then gets a copy of (a converged cluster).
import type { Manifest } from "../src/metadata/manifest.ts";
import type { ManifestChange } from "../src/metadata/manifest-store.ts";
import { MemoryManifestStore } from "../src/metadata/memory-manifest-store.ts";
import { SqliteManifestStore } from "../src/metadata/sqlite-manifest-store.ts";
import type { Hash64 } from "../src/ring/ring.ts";
import { openDatabase } from "../src/store/db.ts";

/** Every file is "abc", kept in its row (inline, base64 "YWJj"). */
const ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

export function smallFile(path: string, mtime = 1): ManifestChange {
  return { path, kind: "file", deleted: false, size: 3, sha256: ABC_SHA256, chunkSize: 4096, chunks: [], mtime, inline: "YWJj" };
}

/** Writes the folders and files into a fresh database at `path` (checkpointed, closed); returns the writer, whose clock later rows continue. */
export function seedDatabase(path: string, rows: number, folders: number, hash: Hash64): MemoryManifestStore {
  const writer = new MemoryManifestStore("w", Date.now, { hash });
  const db = openDatabase(path);
  const seed = new SqliteManifestStore(db, "seed", Date.now, { hash });
  const batch: Manifest[] = [];
  const flush = () => {
    seed.apply(batch);
    batch.length = 0;
  };
  for (let f = 0; f < folders; f++) batch.push(writer.commitLocal({ path: `d${f}`, kind: "dir", deleted: false, size: 0, sha256: null, chunkSize: 0, chunks: [], mtime: 1 }));
  for (let i = 0; i < rows; i++) {
    batch.push(writer.commitLocal(smallFile(`d${i % folders}/f${i}`)));
    if (batch.length === 1000) flush();
  }
  flush();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  seed.close();
  db.close();
  return writer;
}
