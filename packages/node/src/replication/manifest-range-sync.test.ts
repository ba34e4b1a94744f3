// Range anti-entropy among in-memory nodes over the in-memory peer RPC, with no delta sync at all: co-owners that
// diverged (rows on one side only, a newer version on the other) converge through range passes alone, within each
// pass's budget; non-owners are sent nothing.
import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { RING_END } from "../metadata/partition.ts";
import { deleteChange, dirChange, FakeTime, fileChange, seededRandom } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { quiet } from "../rpc/peer-rpc.case.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { LEAF_ROWS, ManifestRangeSync, type RangeSyncBudget, split } from "./manifest-range-sync.ts";
import { ownedArcs } from "./owned-arcs.ts";
import { rangeHandlers } from "./range-sync-kit.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const WHOLE = { from: 0n, to: RING_END };

function cluster(ids: string[], factor: number, budget?: RangeSyncBudget) {
  const net = new MemoryNetwork();
  const time = new FakeTime();
  const nodes = new Map<string, { store: MemoryManifestStore; sync: ManifestRangeSync; placement: Placement }>();
  for (const id of ids) {
    const placement = new Placement(factor, h, 16);
    placement.update(ids.map((m) => testMember(m)));
    const store = new MemoryManifestStore(id, time.now, { hash: h });
    let sync: ManifestRangeSync | undefined;
    const rpc = net.register(id, { store: new MemoryChunkStore({ maxChunkSize: 64 }), handlers: rangeHandlers(() => sync!, store) });
    sync = new ManifestRangeSync({ intervalMs: 1000, arcsPerPass: 8, budget }, { selfId: id, manifests: store, placement, rpc, log: quiet });
    nodes.set(id, { store, sync, placement });
  }
  return { nodes, time };
}

/** Every row a store holds, by key. */
const rowsOf = (s: MemoryManifestStore) => new Map(s.rangeRows(WHOLE, undefined, 10_000).map((m) => [`${m.path}|${m.kind}`, m]));

/** Runs passes on every node, round-robin, until a full cycle of passes on every node found nothing. */
async function runUntilQuiet(nodes: Map<string, { sync: ManifestRangeSync }>, maxRounds = 500): Promise<number> {
  let quietRounds = 0;
  for (let round = 1; round <= maxRounds; round++) {
    let found = false;
    for (const { sync } of nodes.values()) found = (await sync.pass()) !== "quiet" || found;
    quietRounds = found ? 0 : quietRounds + 1;
    // A cycle: every node's passes went once round all of its arcs with every co-owner.
    const cycle = Math.max(...[...nodes.values()].map(({ sync }) => sync.passesPerCycle()));
    if (quietRounds >= cycle) return round;
  }
  throw new Error("range sync did not settle");
}

describe("range anti-entropy (no delta sync)", () => {
  test("co-owners that diverged converge: rows only one side holds, a newer version on the other, a big folder; non-owners get nothing", async () => {
    const ids = ["a", "b", "c", "d"];
    const { nodes, time } = cluster(ids, 2);
    const rand = seededRandom(7);
    const placement = nodes.get("a")!.placement;
    const newest = new Map<string, Manifest>();
    const write = (id: string, rows: Manifest[]) => {
      nodes.get(id)!.store.apply(rows);
      for (const r of rows) newest.set(`${r.path}|${r.kind}`, r);
    };
    // Each row is written on one of its two owners only, as if the push to the other had been lost.
    const writer = new MemoryManifestStore("w", time.now, { hash: h });
    const paths = [...Array.from({ length: 60 }, (_, i) => `d${i % 12}/f${i}`), ...Array.from({ length: 300 }, (_, i) => `big/f${String(i).padStart(3, "0")}`)];
    for (const path of paths) {
      const owners = placement.manifestOwners(path);
      write(owners[Math.floor(rand() * owners.length)]!, [writer.commitLocal(fileChange(path, 4))]);
    }
    for (const d of Array.from({ length: 12 }, (_, i) => `d${i}`)) write(placement.manifestOwners(d)[0]!, [writer.commitLocal(dirChange(d))]);
    // A newer version (a delete, a rewrite) on the owner that did not get the first one, which the other keeps.
    time.advance(1000);
    for (const path of ["d3/f3", "big/f007", "big/f250"]) {
      const [x, y] = placement.manifestOwners(path);
      const older = nodes.get(x!)!.store.get(path) ?? nodes.get(y!)!.store.get(path)!;
      const holder = nodes.get(x!)!.store.get(path) ? x! : y!;
      const other = holder === x ? y! : x!;
      nodes.get(other)!.store.apply([older]);
      write(other, [nodes.get(other)!.store.commitLocal(path === "d3/f3" ? deleteChange(path) : fileChange(path, 8, "newer"))]);
      expect(nodes.get(holder)!.store.get(path)!.version).toBe(older.version);
    }
    const owned = (id: string, key: string) => placement.manifestOwners(key.slice(0, key.lastIndexOf("|"))).includes(id);
    const converged = () => [...newest].every(([key, row]) => ids.every((id) => !owned(id, key) || rowsOf(nodes.get(id)!.store).get(key)?.version === row.version));
    expect(converged()).toBe(false); // nothing but range sync can bring them together here

    await runUntilQuiet(nodes);

    for (const [key, row] of newest) {
      for (const id of ids) {
        const held = rowsOf(nodes.get(id)!.store).get(key);
        if (owned(id, key)) expect({ id, key, version: held?.version }).toEqual({ id, key, version: row.version });
        else expect({ id, key, held: held?.version }).toEqual({ id, key, held: undefined });
      }
    }
    // The big folder is one partition (one position): more rows than a leaf, pulled in pages, not split.
    expect(300).toBeGreaterThan(LEAF_ROWS);
    const stats = [...nodes.values()].map(({ sync }) => sync.stats);
    expect(stats.reduce((n, s) => n + s.rowsApplied, 0)).toBeGreaterThan(0);
  });

  test("a folder of many rows that differs in one: keys and versions first, then only that row", async () => {
    const { nodes, time } = cluster(["a", "b"], 2);
    const writer = new MemoryManifestStore("w", time.now, { hash: h });
    const rows = Array.from({ length: 300 }, (_, i) => writer.commitLocal(fileChange(`p/f${i}`, 4)));
    const [a, b] = [nodes.get("a")!, nodes.get("b")!];
    a.store.apply(rows);
    b.store.apply(rows);
    time.advance(10);
    const newer = b.store.commitLocal(fileChange("p/f123", 8, "newer"));
    await a.sync.pass();
    expect(a.store.get("p/f123")).toEqual(newer);
    expect({ keys: a.sync.stats.keysReceived, rows: a.sync.stats.rowsReceived, applied: a.sync.stats.rowsApplied }).toEqual({ keys: 300, rows: 1, applied: 1 });
    // b compared with a: the same digests now, nothing asked.
    await b.sync.pass();
    expect(b.sync.stats.keyCalls + b.sync.stats.rowCalls).toBe(0);
  });

  test("each pass keeps within its budget of calls and rows, and the pulls it cut short go on at the next pass", async () => {
    const budget = { calls: 3, rows: 40, bytes: 1 << 30 };
    const { nodes, time } = cluster(["a", "b"], 2, budget);
    const writer = new MemoryManifestStore("w", time.now, { hash: h });
    nodes.get("a")!.store.apply(Array.from({ length: 200 }, (_, i) => writer.commitLocal(fileChange(`p/f${i}`, 4))));
    const b = nodes.get("b")!;
    let passes = 0;
    while (rowsOf(b.store).size < 200) {
      const before = { ...b.sync.stats };
      await b.sync.pass();
      expect(b.sync.stats.digestCalls + b.sync.stats.rowCalls - before.digestCalls - before.rowCalls).toBeLessThanOrEqual(budget.calls);
      expect(b.sync.stats.rowsReceived - before.rowsReceived).toBeLessThanOrEqual(budget.rows);
      expect(++passes).toBeLessThan(20);
    }
    expect(passes).toBeGreaterThanOrEqual(5); // 200 rows at 40 a pass
    expect(b.sync.stats.budgetCuts).toBeGreaterThan(0);
    expect(rowsOf(b.store)).toEqual(rowsOf(nodes.get("a")!.store));
  });

  test("an idle pass of converged co-owners reads no row: the digests come from the cache", async () => {
    const { nodes, time } = cluster(["a", "b", "c"], 3);
    const writer = new MemoryManifestStore("w", time.now, { hash: h });
    const rows = Array.from({ length: 500 }, (_, i) => writer.commitLocal(fileChange(`q${i % 50}/f${i}`, 4)));
    for (const { store } of nodes.values()) store.apply(rows);
    await runUntilQuiet(nodes);
    const before = [...nodes.values()].map(({ store }) => store.rangeDigestStats());
    for (const { sync } of nodes.values()) expect(await sync.pass()).toBe("quiet");
    const after = [...nodes.values()].map(({ store }) => store.rangeDigestStats());
    after.forEach((s, i) => {
      expect(s.rowsScanned).toBe(before[i]!.rowsScanned);
      expect(s.partsCached).toBeGreaterThan(before[i]!.partsCached);
    });
    expect([...nodes.values()].map(({ sync }) => sync.stats.rowCalls)).toEqual([0, 0, 0]);
  });

  test("a peer's page outside the range asked is refused and changes nothing", async () => {
    const { nodes, time } = cluster(["a", "b"], 2);
    const writer = new MemoryManifestStore("w", time.now, { hash: h });
    const a = nodes.get("a")!;
    // More rows than a leaf, in many folders: b splits the ring and asks for the rows of parts of it.
    a.store.apply(Array.from({ length: 300 }, (_, i) => writer.commitLocal(fileChange(`k${i % 100}/f${i}`, 4))));
    const honest = a.sync.handlers();
    // a answers every page with the first rows of the whole ring, whatever range was asked.
    (a.sync as unknown as { handlers: () => unknown }).handlers = () => ({
      ...honest,
      "manifests.rangeRows": (_f: string, body: { limit: number }) => ({ rows: a.store.rangeRows(WHOLE, undefined, body.limit), more: false }),
    });
    const b = nodes.get("b")!;
    const warnings: string[] = [];
    (b.sync as unknown as { c: { log: unknown } }).c.log = { ...quiet, warn: (msg: string, f: { err: string }) => warnings.push(`${msg}: ${f.err}`) };
    await b.sync.pass();
    expect(warnings.some((w) => /outside the range asked/.test(w))).toBe(true);
    expect(rowsOf(b.store).size).toBe(0);
  });
});

describe("owned arcs", () => {
  test("a node's arcs hold exactly the positions whose owners include it, and two of three nodes at factor 3 own the whole ring", () => {
    const placement = new Placement(2, h, 16);
    placement.update(["a", "b", "c", "d"].map((m) => testMember(m)));
    const arcs = ownedArcs(placement.ring, 2, "a");
    const rand = seededRandom(3);
    for (let i = 0; i < 2000; i++) {
      const p = BigInt(Math.floor(rand() * 2 ** 32)) * BigInt(Math.floor(rand() * 2 ** 32));
      const owners = placement.ring.replicaSetAt(p, 2, { includeFull: true });
      const arc = arcs.find((x) => x.range.from <= p && p < x.range.to);
      expect(arc !== undefined).toBe(owners.includes("a"));
      if (arc) expect([...arc.peers]).toEqual(owners.filter((id) => id !== "a"));
    }
    // Merged: no two neighbouring arcs with the same peers.
    for (let i = 1; i < arcs.length; i++) if (arcs[i - 1]!.range.to === arcs[i]!.range.from) expect(arcs[i - 1]!.peers).not.toEqual(arcs[i]!.peers);
    const three = new Placement(3, h, 16);
    three.update(["a", "b", "c"].map((m) => testMember(m)));
    expect(ownedArcs(three.ring, 3, "a").map((x) => x.range)).toEqual([WHOLE]);
  });

  test("a range splits into sixteen parts that cover it exactly", () => {
    for (const r of [WHOLE, { from: 5n, to: 5n + 16n }, { from: 1000n, to: 1000n + 12345n }]) {
      const parts = split(r);
      expect(parts.length).toBe(16);
      expect(parts[0]!.from).toBe(r.from);
      expect(parts[15]!.to).toBe(r.to);
      for (let i = 1; i < 16; i++) expect(parts[i]!.from).toBe(parts[i - 1]!.to);
      for (const p of parts) expect(p.from < p.to).toBe(true);
    }
  });
});
