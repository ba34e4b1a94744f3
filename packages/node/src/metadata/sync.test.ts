import { describe, expect, test } from "bun:test";
import { OrreryError } from "../errors.ts";
import { openDatabase } from "../store/db.ts";
import { type Manifest, mergeManifest } from "./manifest.ts";
import type { ManifestStore } from "./manifest-store.ts";
import { MemoryManifestStore } from "./memory-manifest-store.ts";
import { SqliteManifestStore } from "./sqlite-manifest-store.ts";
import {
  answerSyncRequest,
  buildSyncRequest,
  MAX_MARKS,
  MAX_PUSH_ENTRIES,
  MAX_SYNC_PAGE_ENTRIES,
  marksSchema,
  parseBody,
  pushBodySchema,
  runSyncRound,
  SyncRound,
  syncRequestSchema,
  syncResponseSchema,
} from "./sync.ts";
import { deleteChange, dirChange, FakeTime, fileChange, pick, seededRandom } from "./test-fixtures.ts";
import { INLINE_MAX_BYTES } from "./inline-content.ts";
import { inlineChange } from "./inline-rows.case.ts";
import { MAX_RPC_BODY } from "../transfer/frames.ts";

const dump = (s: ManifestStore) => s.changesSince({}, 1_000_000).entries;

function badBody(schema: Parameters<typeof parseBody>[0], body: unknown): OrreryError {
  try {
    parseBody(schema, body);
  } catch (err) {
    expect(err).toBeInstanceOf(OrreryError);
    expect((err as OrreryError).status).toBe(400);
    expect((err as OrreryError).code).toBe("invalid_body");
    return err as OrreryError;
  }
  throw new Error("body was accepted");
}

describe("internal body schemas", () => {
  const store = new MemoryManifestStore("a", new FakeTime().now);
  const rows = store.commitLocalBatch([fileChange("f", 10), dirChange("d"), deleteChange("x")]);

  test("push bodies: valid rows pass, anything else is a 400", () => {
    expect(parseBody(pushBodySchema, JSON.parse(JSON.stringify({ entries: rows }))).entries).toEqual(rows);
    expect(badBody(pushBodySchema, { entries: rows, extra: 1 }).message).toMatch(/invalid body/);
    expect(badBody(pushBodySchema, { entries: [{ ...rows[0], chunks: ["zz"] }] }).message).toMatch(/entries\.0\.chunks\.0/);
    expect(badBody(pushBodySchema, { entries: [{ ...rows[0], origin: "b" }] }).message).toMatch(/origin/);
    expect(badBody(pushBodySchema, { entries: [{ ...rows[0], path: "../etc" }] }).message).toMatch(/entries\.0\.path/);
    expect(badBody(pushBodySchema, null).message).toMatch(/\(root\)/);
    badBody(pushBodySchema, { entries: new Array(MAX_PUSH_ENTRIES + 1).fill(rows[1]) });
  });

  test("sync requests: marks are node id → non-negative integer, bounded", () => {
    expect(parseBody(syncRequestSchema, { marks: { a: 3, "n-2.x_y": 0 } })).toEqual({ marks: { a: 3, "n-2.x_y": 0 } });
    badBody(syncRequestSchema, { marks: { a: -1 } });
    badBody(syncRequestSchema, { marks: { a: 1.5 } });
    badBody(syncRequestSchema, { marks: { "bad id": 1 } });
    badBody(syncRequestSchema, { marks: [] });
    badBody(syncRequestSchema, {});
    const many = Object.fromEntries(Array.from({ length: MAX_MARKS + 1 }, (_, i) => [`n${i}`, 1]));
    expect(marksSchema.safeParse(many).success).toBe(false);
    // A "__proto__" key cannot smuggle anything into the marks object.
    const parsed = parseBody(syncRequestSchema, JSON.parse('{"marks": {"__proto__": {"polluted": 1}, "a": 1}}'));
    expect(parsed.marks).toEqual({ a: 1 });
    expect(Object.getPrototypeOf(parsed.marks)).toBe(Object.prototype);
  });

  test("sync responses must be in (origin, seq) order", () => {
    const ok = { entries: rows, marks: { a: 3 }, more: false };
    expect(parseBody(syncResponseSchema, ok)).toEqual(ok);
    expect(badBody(syncResponseSchema, { ...ok, entries: [rows[1], rows[0]] }).message).toMatch(/order/);
    badBody(syncResponseSchema, { ...ok, more: "no" });
  });
});

describe("answering and applying", () => {
  test("a page is cut short by its chunk budget but always carries one entry", () => {
    const a = new MemoryManifestStore("a", new FakeTime().now);
    a.commitLocalBatch([fileChange("big", 40), fileChange("small", 4), fileChange("mid", 12)]); // 10, 1, 3 chunks
    const req = buildSyncRequest(new MemoryManifestStore("b", new FakeTime().now));
    expect(req).toEqual({ marks: {} });
    const first = answerSyncRequest(a, req, { maxChunks: 5 });
    expect(first.entries.map((m) => m.path)).toEqual(["big"]);
    expect(first.more).toBe(true);
    expect(answerSyncRequest(a, { marks: { a: 1 } }, { maxChunks: 5 })).toMatchObject({
      entries: [{ path: "small" }, { path: "mid" }],
      more: false,
    });
  });

  test("a round refuses endless or finished conversations", () => {
    const store = new MemoryManifestStore("a", new FakeTime().now);
    const round = new SyncRound(store);
    expect(() => round.receive({ entries: [], marks: {}, more: true })).toThrow(/more/);
    round.receive({ entries: [], marks: { z: 4 }, more: false });
    expect(round.done).toBe(true);
    expect(store.marks()).toEqual({ z: 4 });
    expect(() => round.request()).toThrow(/finished/);
  });

  test("a round absorbs its first page's marks, so a row landing behind the cursor is not skipped", () => {
    const time = new FakeTime();
    const a = new MemoryManifestStore("a", time.now);
    const [a1, a2, a3] = a.commitLocalBatch([fileChange("p1"), fileChange("p2"), fileChange("p3")]);
    const b = new MemoryManifestStore("b", time.now);
    b.commitLocal(fileChange("q"));
    const peer = new MemoryManifestStore("peer", time.now);
    peer.apply([a1!, a3!, ...dump(b)]); // peer lacks a:2 for now: its mark for a is 1
    const me = new MemoryManifestStore("me", time.now);
    const round = new SyncRound(me);
    round.receive(answerSyncRequest(peer, round.request(), { maxEntries: 2 })); // a:1, a:3
    peer.apply([a2!]); // a:2 reaches the peer behind my cursor (seq 2 < 3); the peer's mark for a is now 2
    const last = answerSyncRequest(peer, round.request(), { maxEntries: 2 });
    expect(last.marks.a).toBe(2);
    expect(last.entries.map((m) => m.path)).toEqual(["q"]);
    round.receive(last);
    expect(round.done).toBe(true);
    // Absorbing the last page's marks would claim a:2 as covered forever; the first page's do not.
    expect(me.get("p2")).toBeUndefined();
    expect(me.marks().a).toBe(1);
    const next = new SyncRound(me);
    next.receive(answerSyncRequest(peer, next.request()));
    expect(me.get("p2")).toEqual(a2!);
    expect(me.marks()).toEqual({ a: 3, b: 1 }); // a:2 and a:3 were contiguous here
  });
});

/**
 * Yjs-style simulation: several replicas, seeded random local writes, and random partial sync
 * rounds between random pairs with more writes landing between pages. Afterwards every replica must
 * hold exactly the newest write of every path, and the same marks.
 */
async function simulate(seed: number, newStore: (id: string, now: () => number) => ManifestStore) {
  const rand = seededRandom(seed);
  const time = new FakeTime();
  const ids = ["n1", "n2", "n3", "n4"];
  const stores = ids.map((id) => newStore(id, time.now));
  const paths = Array.from({ length: 12 }, (_, i) => `dir${i % 3}/f${i}`);
  const newest = new Map<string, Manifest>();
  const write = () => {
    time.advance(Math.floor(rand() * 4));
    const path = pick(rand, paths);
    const m = pick(rand, stores).commitLocal(rand() < 0.3 ? deleteChange(path) : fileChange(path, Math.floor(rand() * 30), rand()));
    const prev = newest.get(path);
    newest.set(path, prev ? mergeManifest(prev, m) : m);
  };
  const round = (to: ManifestStore, from: ManifestStore, churn: boolean, maxPages?: number) =>
    runSyncRound(
      to,
      (req) => {
        if (churn) while (rand() < 0.4) write(); // writes land anywhere, between pages too
        return answerSyncRequest(from, syncRequestSchema.parse(req), { maxEntries: 1 + Math.floor(rand() * 4) });
      },
      maxPages === undefined ? {} : { maxPages },
    );

  for (let step = 0; step < 300; step++) {
    if (rand() < 0.5) write();
    else {
      const to = pick(rand, stores);
      const from = pick(rand, stores);
      if (to !== from) await round(to, from, true, rand() < 0.2 ? 1 : undefined);
    }
  }
  // Quiesce: everybody pulls from everybody until nothing changes.
  let passes = 0;
  for (let changed = true; changed; passes++) {
    const before = stores.map((s) => JSON.stringify(dump(s)) + JSON.stringify(s.marks()));
    for (const to of stores) for (const from of stores) if (to !== from) await round(to, from, false);
    changed = stores.some((s, i) => JSON.stringify(dump(s)) + JSON.stringify(s.marks()) !== before[i]);
    expect(passes).toBeLessThan(4);
  }
  for (const s of stores) {
    for (const path of paths) expect(s.get(path)).toEqual(newest.get(path));
    expect(dump(s)).toEqual(dump(stores[0]!));
    expect(s.marks()).toEqual(Object.fromEntries(stores.map((o) => [o.nodeId, o.marks()[o.nodeId]!])));
  }
}

describe("anti-entropy simulation", () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`memory stores converge to the newest write of every path (seed ${seed})`, async () => {
      await simulate(seed, (id, now) => new MemoryManifestStore(id, now));
    });
  }
  test("SQLite stores converge too (seed 9)", async () => {
    await simulate(9, (id, now) => new SqliteManifestStore(openDatabase(":memory:"), id, now));
  });
});

test("a full sync page and a full push of the largest inline rows fit the bound of a message that carries manifests", () => {
  const s = new MemoryManifestStore("a", new FakeTime().now);
  const bytes = new Uint8Array(INLINE_MAX_BYTES).fill(0xfe);
  const dir = "d".repeat(200);
  s.commitLocal(dirChange(dir));
  for (let i = 0; s.marks().a! <= MAX_SYNC_PAGE_ENTRIES; i++) s.commitLocal(inlineChange(`${dir}/${"n".repeat(200)}${i}`, bytes.map((b) => b ^ (i & 0xff))));
  const page = answerSyncRequest(s, { marks: {} });
  expect(page.entries.length).toBe(MAX_SYNC_PAGE_ENTRIES);
  expect(page.entries.every((m) => m.inline !== undefined || m.kind === "dir")).toBe(true);
  const json = JSON.stringify(parseBody(syncResponseSchema, JSON.parse(JSON.stringify(page))));
  // manifests.get answers twice as many rows (a file's and a directory's per path) under the same bound.
  expect(2 * Buffer.byteLength(json)).toBeLessThan(MAX_RPC_BODY);
  expect(2 * Buffer.byteLength(JSON.stringify({ entries: page.entries.slice(0, MAX_PUSH_ENTRIES) }))).toBeLessThan(MAX_RPC_BODY);
});
