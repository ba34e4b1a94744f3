// Seeded randomness and manifest builders shared by the metadata tests (not a test file itself).
import type { Manifest } from "./manifest.ts";
import type { ManifestChange } from "./manifest-store.ts";

/** A seeded PRNG, so a failing property test replays exactly from its seed. */
export { mulberry32 as seededRandom } from "../util/seeded-random.ts";

export const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** A deterministic 64-hex id derived from a label. */
export function hexId(label: string | number): string {
  return new Bun.CryptoHasher("sha256").update(String(label)).digest("hex");
}

/** A valid file row of 10 bytes in three 4-byte chunks, written by n1: the base the schema tests vary. */
export const sampleRow: Manifest = {
  path: "docs/report.pdf",
  kind: "file",
  version: "018f3a2b4c5d000000@n1",
  deleted: false,
  size: 10,
  sha256: hexId("all"),
  chunkSize: 4,
  chunks: [hexId(0), hexId(1), hexId(2)],
  mtime: 1_700_000_000_000,
  origin: "n1",
  seq: 1,
};

/** A live file change of `size` bytes in 4-byte chunks (small numbers keep tests readable). */
export function fileChange(path: string, size = 10, tag: string | number = path, mtime = 1): ManifestChange {
  const chunkSize = 4;
  const chunks = Array.from({ length: Math.ceil(size / chunkSize) }, (_, i) => hexId(`${tag}:${i}`));
  return { path, kind: "file", deleted: false, size, sha256: hexId(`${tag}:all`), chunkSize, chunks, mtime };
}

export function dirChange(path: string, mtime = 1): ManifestChange {
  return { path, kind: "dir", deleted: false, size: 0, sha256: null, chunkSize: 0, chunks: [], mtime };
}

export function deleteChange(path: string, kind: "file" | "dir" = "file", mtime = 2): ManifestChange {
  return { path, kind, deleted: true, size: 0, sha256: null, chunkSize: 0, chunks: [], mtime };
}

/** A manual clock for stores and HLCs under test. */
export class FakeTime {
  constructor(public ms = 1_700_000_000_000) {}
  readonly now = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}
