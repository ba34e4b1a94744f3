// The hand-written checks of the hot frames accept nothing their zod schema refuses (thousands of valid rows and
// mutants of them, seeded), accept the common rows (or they would save nothing), and the peer RPC then skips the
// schema for those while a bad body still gets the schema's refusal.
import { describe, expect, spyOn, test } from "bun:test";
import { encodeInline } from "../metadata/inline-content.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { hexId, pick, sampleRow, seededRandom } from "../metadata/test-fixtures.ts";
import { fastChecks, isPlainManifestRow } from "./fast-checks.ts";
import { jsonMethods } from "./methods.ts";
import { dispatchJson } from "./peer-rpc.ts";

const bytes = new Uint8Array(100).map((_, i) => i * 7);
const sha = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
const row = (patch: Partial<Manifest> = {}): Manifest => ({ ...sampleRow, ...patch });
const empty = { size: 0, sha256: null, chunkSize: 0, chunks: [] };
const valid: Manifest[] = [
  row(),
  row({ md5: "0123456789abcdef0123456789abcdef" }),
  row({ size: 100, sha256: sha, chunks: [], chunkSize: 4 * 1024 * 1024, inline: encodeInline(bytes), md5: "0123456789abcdef0123456789abcdef" }),
  row({ size: 0, chunks: [] }),
  row({ ...empty, kind: "dir", path: "docs" }),
  row({ ...empty, deleted: true }),
  row({ ...empty, kind: "dir", deleted: true, version: "018f3a2b4c5d00000a@node-2.b_c", origin: "node-2.b_c", seq: 9_007_199_254_740_991 }),
];

/** Values a field may be given by a broken or hostile peer. */
const badValues: unknown[] = [
  undefined, null, "", " ", -1, -0, 0, 1, 1.5, 2 ** 53, Number.NaN, Infinity, true, false, [], {}, [null], ["x"],
  "a//b", "/abs", "a/../b", "a/", "x".repeat(2000), hexId(9).toUpperCase(), hexId(9).slice(1), hexId(9), "file", "dir", "link",
  "018f3a2b4c5d000000@n2", "018f3a2b4c5d000000@__proto__", "018f3a2b4c5d000000@constructor", "018F3A2B4C5D000000@n1", "n2", "__proto__",
  "0123456789abcdef0123456789abcdef-0", "0123456789abcdef0123456789abcdef-3", "AAAA", "AAA=", "AAE=", encodeInline(bytes.subarray(1)),
  [hexId(0), hexId(1)], [hexId(0), hexId(1), hexId(2), hexId(3)], { contentType: "text/plain" }, [4, 4, 2], { partSizes: [10] },
];
const fields = ["path", "kind", "deleted", "size", "sha256", "chunkSize", "chunks", "mtime", "version", "origin", "seq", "md5", "inline", "meta", "chunkSizes", "multipart", "extra"];

function mutant(rand: () => number): unknown {
  const m: Record<string, unknown> = { ...pick(rand, valid) };
  const changes = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < changes; i++) {
    const field = pick(rand, fields);
    const value = pick(rand, badValues);
    if (value === undefined && rand() < 0.5) delete m[field];
    else m[field] = value;
  }
  return m;
}

const schema = {
  row: (v: unknown) => jsonMethods["manifests.get"].response.safeParse({ rows: [v] }).success,
  push: (v: unknown) => jsonMethods["manifests.push"].request.safeParse(v).success,
};

describe("fast checks of the hot frames", () => {
  test("accept the common rows the schema accepts", () => {
    for (const m of valid) {
      expect(schema.row(m)).toBe(true);
      expect(isPlainManifestRow(m)).toBe(true);
      // And as they arrive: parsed from JSON.
      expect(isPlainManifestRow(JSON.parse(JSON.stringify(m)))).toBe(true);
    }
  });

  test("accept nothing the schema refuses: 20,000 mutants of valid rows, seeded", () => {
    const rand = seededRandom(11);
    let refused = 0;
    let acceptedByBoth = 0;
    for (let i = 0; i < 20_000; i++) {
      const m = mutant(rand);
      const ok = schema.row(m);
      if (!ok) refused++;
      if (isPlainManifestRow(m)) {
        if (!ok) throw new Error(`the fast check accepted a row the schema refuses: ${JSON.stringify(m)}`);
        acceptedByBoth++;
      }
    }
    // Both kinds occur, so the comparison means something.
    expect(refused).toBeGreaterThan(10_000);
    expect(acceptedByBoth).toBeGreaterThan(100);
  });

  test("bodies: shape, bounds and keys as the schemas have them", () => {
    const cases: Array<[keyof typeof fastChecks & keyof typeof jsonMethods, "request" | "response", unknown]> = [];
    const add = (method: "manifests.push" | "manifests.get" | "manifests.newer", side: "request" | "response", bodies: unknown[]) =>
      bodies.forEach((b) => cases.push([method, side, b]));
    add("manifests.push", "request", [
      { entries: [] }, { entries: valid }, { entries: [...valid, { ...valid[0], seq: 0 }] }, { entries: valid, extra: 1 }, {}, [], null,
      { entries: Array.from({ length: 1001 }, () => valid[0]) }, { entries: Array.from({ length: 1000 }, () => valid[0]) },
      JSON.parse('{"entries":[],"__proto__":{}}'),
    ]);
    add("manifests.push", "response", [
      { applied: 1, versions: ["v"] }, { applied: -1, versions: [] }, { applied: 1.5, versions: [] }, { applied: 0, versions: ["x".repeat(101)] },
      { applied: 0, versions: [1] }, { applied: 0 }, { applied: 0, versions: [], more: 1 }, { applied: 0, versions: Array(1001).fill("v") },
    ]);
    add("manifests.get", "request", [
      { paths: ["a", "a/b"] }, { paths: [] }, { paths: ["a//b"] }, { paths: ["/a"] }, { paths: [""] }, { paths: [1] },
      { paths: Array(1000).fill("a") }, { paths: Array(1001).fill("a") }, { paths: ["a"], x: 1 },
    ]);
    const v = "018f3a2b4c5d000000@n2";
    add("manifests.newer", "request", [
      { paths: ["a", "a/b"], have: [v, null, null, v] }, { paths: ["a"], have: [null, null] }, { paths: ["a"], have: [v] },
      { paths: ["a"], have: [v, null, null] }, { paths: ["a"] }, { have: [null, null] }, { paths: [], have: [] }, { paths: ["a//b"], have: [null, null] },
      { paths: ["a"], have: [v, "018f3a2b4c5d000000@__proto__"] }, { paths: ["a"], have: [v, "018F3A2B4C5D000000@n1"] }, { paths: ["a"], have: [v, "n2"] },
      { paths: ["a"], have: [v, 1] }, { paths: ["a"], have: [v, undefined] }, { paths: ["a"], have: [null, null], x: 1 },
      { paths: Array(1000).fill("a"), have: Array(2000).fill(v) }, { paths: Array(1001).fill("a"), have: Array(2002).fill(null) },
      JSON.parse('{"paths":["a"],"have":[null,null],"__proto__":{}}'),
    ]);
    add("manifests.newer", "response", [{ rows: [] }, { rows: [null, ...valid] }, { rows: [null, { ...valid[0], origin: "n2" }] }, { rows: Array(2001).fill(null) }]);
    add("manifests.get", "response", [
      { rows: [] }, { rows: [null, ...valid] }, { rows: [null, { ...valid[0], origin: "n2" }] }, { rows: Array(2001).fill(null) },
      { rows: Array(2000).fill(null) }, { rows: [undefined] }, {},
    ]);
    let fast = 0;
    for (const [method, side, body] of cases) {
      const byFast = fastChecks[method]![side](body);
      const bySchema = jsonMethods[method][side].safeParse(body).success;
      if (byFast) {
        expect({ method, side, body, bySchema }).toEqual({ method, side, body, bySchema: true });
        fast++;
      }
    }
    expect(fast).toBeGreaterThanOrEqual(12);
  });

  test("the peer RPC skips the schema for a plain push and still refuses a bad one with the schema's words", async () => {
    const parse = spyOn(jsonMethods["manifests.push"].request, "safeParse");
    try {
      const handlers = { "manifests.push": (_f: string, b: { entries: unknown[] }) => ({ applied: b.entries.length, versions: [] }) };
      const good = await dispatchJson(handlers, "n2", "manifests.push", JSON.parse(JSON.stringify({ entries: valid })));
      expect(good).toEqual({ status: "ok", body: { applied: valid.length, versions: [] } });
      expect(parse).toHaveBeenCalledTimes(0);
      const bad = await dispatchJson(handlers, "n2", "manifests.push", { entries: [{ ...valid[0], path: "../etc/passwd" }] });
      expect(bad.status).toBe("bad_request");
      expect((bad.body as { error: string }).error).toMatch(/^manifests\.push: entries\.0\.path: path must be canonical/);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });
});
