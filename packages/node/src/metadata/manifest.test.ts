import { describe, expect, test } from "bun:test";
import { formatVersion } from "./hlc.ts";
import { type Manifest, MAX_CHUNKS, MAX_PARTS, manifestSchema, mergeManifest, sameManifest } from "./manifest.ts";
import { hexId, pick, sampleRow, seededRandom } from "./test-fixtures.ts";

const base: Manifest = sampleRow;

const problems = (m: unknown) => {
  const r = manifestSchema.safeParse(m);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe("manifestSchema", () => {
  test("accepts files, empty files, directories and tombstones", () => {
    expect(problems(base)).toEqual([]);
    expect(problems({ ...base, size: 0, chunks: [] })).toEqual([]);
    const empty = { size: 0, sha256: null, chunkSize: 0, chunks: [] };
    expect(problems({ ...base, ...empty, kind: "dir" })).toEqual([]);
    expect(problems({ ...base, ...empty, deleted: true })).toEqual([]);
  });

  test("rejects malformed fields", () => {
    const bad: Array<[Partial<Record<keyof Manifest, unknown>>, RegExp]> = [
      [{ path: "a//b" }, /canonical/],
      [{ path: "/abs" }, /canonical/],
      [{ path: "" }, /root/],
      [{ path: "a/../b" }, /canonical/],
      [{ kind: "link" }, /./],
      [{ size: -1 }, /./],
      [{ size: 1.5 }, /./],
      [{ chunks: [hexId(0).toUpperCase(), hexId(1), hexId(2)] }, /64 lowercase hex/],
      [{ chunks: [hexId(0), hexId(1), "abc"] }, /64 lowercase hex/],
      [{ sha256: "nothex" }, /64 lowercase hex/],
      [{ version: "not-a-version" }, /version/],
      [{ origin: "n2" }, /origin must be the node id in the version/],
      [{ seq: 0 }, /./],
      [{ mtime: -5 }, /./],
    ];
    for (const [patch, message] of bad) {
      const found = problems({ ...base, ...patch });
      expect(found.length).toBeGreaterThan(0);
      expect(found.join("; ")).toMatch(message);
    }
  });

  test("is strict about unknown keys", () => {
    expect(problems({ ...base, extra: 1 }).length).toBeGreaterThan(0);
  });

  test("checks that content is consistent", () => {
    expect(problems({ ...base, chunks: [hexId(0), hexId(1)] }).join()).toMatch(/has 3 chunks, not 2/);
    expect(problems({ ...base, chunkSize: 0 }).join()).toMatch(/needs a chunkSize/);
    expect(problems({ ...base, sha256: null }).join()).toMatch(/needs its sha256/);
    expect(problems({ ...base, deleted: true }).join()).toMatch(/tombstone has no content/);
    // A directory may carry content of its own (S3's `dir/` object with data), checked as a file's is.
    expect(problems({ ...base, kind: "dir" })).toEqual([]);
    expect(problems({ ...base, kind: "dir", chunks: [hexId(0)] }).join()).toMatch(/has 3 chunks, not 1/);
    expect(problems({ ...base, kind: "dir", sha256: null }).join()).toMatch(/directory has no content/);
  });

  test("an MD5, and per-chunk sizes for a file assembled from parts, are optional and checked", () => {
    expect(problems({ ...base, md5: "0".repeat(32) })).toEqual([]);
    expect(problems({ ...base, md5: `${"a".repeat(32)}-12` })).toEqual([]);
    expect(problems({ ...base, md5: "xyz" }).length).toBeGreaterThan(0);
    expect(problems({ ...base, chunkSizes: [4, 2, 4] })).toEqual([]);
    expect(problems({ ...base, chunkSizes: [4, 2] }).join()).toMatch(/2 entries for 3 chunks/);
    expect(problems({ ...base, chunkSizes: [4, 2, 3] }).join()).toMatch(/add up to 9 bytes, not the file's 10/);
    expect(problems({ ...base, chunkSizes: [5, 1, 4] }).join()).toMatch(/larger than chunkSize 4/);
    expect(problems({ ...base, chunkSizes: [4, 0, 6] }).length).toBeGreaterThan(0);
    const empty = { size: 0, sha256: null, chunkSize: 0, chunks: [] };
    expect(problems({ ...base, ...empty, deleted: true, md5: "0".repeat(32) }).join()).toMatch(/tombstone has no content/);
    expect(problems({ ...base, ...empty, kind: "dir", chunkSizes: [] }).join()).toMatch(/directory has no content/);
  });

  test("a multipart object's parts cover the file and agree with its ETag's part count", () => {
    const multipart = { md5: `${"a".repeat(32)}-2`, multipart: { uploadId: "0abc-DEF_1", partSizes: [6, 4] } };
    expect(problems({ ...base, ...multipart })).toEqual([]);
    expect(problems({ ...base, ...multipart, multipart: { partSizes: [6, 4] } })).toEqual([]);
    expect(problems({ ...base, ...multipart, multipart: { partSizes: [6, 3] } }).join()).toMatch(/add up to 9 bytes, not the file's 10/);
    expect(problems({ ...base, ...multipart, md5: `${"a".repeat(32)}-3` }).join()).toMatch(/multipart md5/);
    expect(problems({ ...base, ...multipart, md5: "a".repeat(32) }).join()).toMatch(/multipart md5/);
    expect(problems({ ...base, ...multipart, multipart: { uploadId: "../x", partSizes: [6, 4] } }).length).toBeGreaterThan(0);
    expect(problems({ ...base, ...multipart, multipart: { partSizes: [] } }).length).toBeGreaterThan(0);
    expect(problems({ ...base, ...multipart, multipart: { partSizes: [6, 4], extra: 1 } }).length).toBeGreaterThan(0);
    const tooMany = { ...base, md5: `${"a".repeat(32)}-10001`, multipart: { partSizes: [10, ...new Array(MAX_PARTS).fill(0)] } };
    expect(problems(tooMany).length).toBeGreaterThan(0);
    const empty = { size: 0, sha256: null, chunkSize: 0, chunks: [] };
    expect(problems({ ...base, ...empty, deleted: true, ...multipart }).join()).toMatch(/tombstone has no content/);
    // An empty object completed from one empty part.
    expect(problems({ ...base, ...empty, sha256: "0".repeat(64), md5: `${"a".repeat(32)}-1`, multipart: { partSizes: [0] } })).toEqual([]);
  });

  test("caps the chunk list", () => {
    const id = hexId(0);
    const huge = { ...base, chunkSize: 1, size: MAX_CHUNKS + 1, chunks: new Array(MAX_CHUNKS + 1).fill(id) };
    expect(problems(huge).length).toBeGreaterThan(0);
  });
});

/**
 * Random manifests for one key over a tiny version space, so equal versions (and forged ones) are common. A
 * file and a directory of one path are two keys (rowKey); a directory may hold content of its own.
 */
function randomManifest(rand: () => number, kind: Manifest["kind"] = "file"): Manifest {
  const origin = pick(rand, ["n1", "n2", "n3"]);
  const version = formatVersion({ wall: Math.floor(rand() * 4), counter: Math.floor(rand() * 3), nodeId: origin });
  const deleted = rand() < 0.3;
  const size = deleted ? 0 : Math.floor(rand() * 9);
  return {
    path: "p",
    kind,
    version,
    deleted,
    size,
    sha256: deleted ? null : hexId(`s${size}`),
    chunkSize: 4,
    chunks: deleted ? [] : Array.from({ length: Math.ceil(size / 4) }, (_, i) => hexId(`${size}.${i}`)),
    mtime: Math.floor(rand() * 3),
    origin,
    seq: 1 + Math.floor(rand() * 2),
  };
}

describe("mergeManifest is a CRDT merge (seeded property tests)", () => {
  const seeds = [1, 2, 3, 1234, 99991];

  test("commutative, associative, idempotent, and picks one of its inputs", () => {
    for (const seed of seeds) {
      const rand = seededRandom(seed);
      for (let i = 0; i < 2000; i++) {
        const kind = rand() < 0.5 ? "dir" : "file";
        const [a, b, c] = [randomManifest(rand, kind), randomManifest(rand, kind), randomManifest(rand, kind)];
        const ab = mergeManifest(a, b);
        expect(sameManifest(ab, mergeManifest(b, a))).toBe(true);
        expect(sameManifest(mergeManifest(ab, c), mergeManifest(a, mergeManifest(b, c)))).toBe(true);
        expect(mergeManifest(a, a)).toBe(a);
        expect(mergeManifest(a, structuredClone(a))).toBe(a); // same content: "nothing changed"
        expect(ab === a || ab === b).toBe(true);
      }
    }
  });

  test("the higher version wins whole", () => {
    const rand = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const [a, b] = [randomManifest(rand), randomManifest(rand)];
      if (a.version === b.version) continue;
      const winner = a.version > b.version ? a : b;
      expect(mergeManifest(a, b)).toBe(winner);
    }
  });

  test("any delivery order of the same writes converges to the same row", () => {
    for (const seed of seeds) {
      const rand = seededRandom(seed);
      const writes = Array.from({ length: 12 }, () => randomManifest(rand));
      const results = Array.from({ length: 20 }, () => {
        const order = [...writes].sort(() => rand() - 0.5);
        return order.reduce((acc, m) => mergeManifest(acc, m));
      });
      for (const r of results) expect(sameManifest(r, results[0]!)).toBe(true);
    }
  });

  test("a tombstone is never overridden by an older write, in any order", () => {
    for (const seed of seeds) {
      const rand = seededRandom(seed);
      const tombstone: Manifest = {
        ...randomManifest(rand),
        version: formatVersion({ wall: 3, counter: 2, nodeId: "n2" }),
        origin: "n2",
        deleted: true,
        size: 0,
        sha256: null,
        chunks: [],
      };
      const older = Array.from({ length: 30 }, () => randomManifest(rand)).filter((m) => m.version < tombstone.version);
      expect(older.length).toBeGreaterThan(10);
      for (let k = 0; k < 20; k++) {
        const order = [...older, tombstone].sort(() => rand() - 0.5);
        const merged = order.reduce((acc, m) => mergeManifest(acc, m));
        expect(merged).toBe(tombstone);
        expect(merged.deleted).toBe(true);
      }
    }
  });

  test("refuses to merge different paths", () => {
    expect(() => mergeManifest(base, { ...base, path: "other" })).toThrow(/different paths/);
    // A file and a directory at one path are two registers: neither may replace the other.
    expect(() => mergeManifest(base, { ...base, kind: "dir" })).toThrow(/different paths or kinds/);
  });
});
