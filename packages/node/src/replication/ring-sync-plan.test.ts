// The plan a node pulls before it announces a ring synced, and its progress: which ranges, from which previous
// owners, how many of them; and when a plan counts as done.
import { beforeAll, describe, expect, test } from "bun:test";
import { RING_END } from "../metadata/partition.ts";
import { seededRandom } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64, Ring } from "../ring/index.ts";
import { RingSyncProgress, type SyncTask, syncPlan } from "./ring-sync-plan.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const ring = (ids: string[]) => new Ring(ids.map((id) => ({ id, weight: 1 })), h, 16);
const owners = (r: Ring, at: bigint, f: number) => r.replicaSetAt(at, f, { includeFull: true });

/** Random positions, with each ring's virtual nodes and their neighbours (where owners change). */
function probes(rings: Ring[], n: number): bigint[] {
  const rand = seededRandom(3);
  const out = Array.from({ length: n }, () => (BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32)));
  for (const r of rings) for (const p of r.points().positions) out.push(p, p + 1n, p > 0n ? p - 1n : 0n);
  return [...out, 0n, RING_END - 1n].filter((p) => p >= 0n && p < RING_END);
}

const covering = (tasks: SyncTask[], p: bigint) => tasks.filter((t) => t.range.from <= p && p < t.range.to);

describe("syncPlan", () => {
  test("a joiner's plan covers exactly the positions it owns now, each with its owners in the ring it joined, two of three needed", () => {
    const before = ring(["a", "b", "c", "d"]);
    const now = ring(["a", "b", "c", "d", "x"]);
    const tasks = syncPlan("x", { ring: now, factor: 3 }, [{ ring: before, factor: 3 }]);
    expect(tasks.length).toBeGreaterThan(0);
    for (const p of probes([before, now], 2000)) {
      const found = covering(tasks, p);
      if (!owners(now, p, 3).includes("x")) {
        expect(found).toEqual([]);
        continue;
      }
      expect(found.length).toBe(1);
      expect([...found[0]!.candidates].sort()).toEqual(owners(before, p, 3).sort());
      expect(found[0]!.needed).toBe(2);
    }
  });

  test("an arc this node already owned asks one other previous owner; one it owns under neither ring asks nothing", () => {
    const before = ring(["a", "b", "c", "d", "e"]);
    const now = ring(["a", "b", "c", "d", "e", "x"]);
    const tasks = syncPlan("a", { ring: now, factor: 3 }, [{ ring: before, factor: 3 }]);
    let kept = 0;
    let gained = 0;
    for (const p of probes([before, now], 2000)) {
      const found = covering(tasks, p);
      const mine = owners(now, p, 3).includes("a");
      if (!mine) expect(found).toEqual([]);
      else if (owners(before, p, 3).includes("a")) {
        kept++;
        expect(found.map((t) => t.needed)).toEqual([1]);
        expect(found[0]!.candidates).not.toContain("a");
      } else {
        gained++;
        expect(found.map((t) => t.needed)).toEqual([2]);
      }
    }
    expect(kept).toBeGreaterThan(0);
    // "a" gains nothing when x joins (x takes arcs from others); the kept arcs are the whole plan.
    expect(gained).toBe(0);
  });

  test("each previous ring gets its own tasks; a ring with this node alone at factor 1 asks nothing", () => {
    const now = ring(["a", "b", "c"]);
    const tasks = syncPlan("a", { ring: now, factor: 3 }, [{ ring: ring(["a"]), factor: 1 }, { ring: ring(["b", "c"]), factor: 2 }]);
    // Under [b, c] at factor 2 a write reached both: one of them is enough.
    expect(tasks.every((t) => t.needed === 1 && [...t.candidates].sort().join() === "b,c")).toBe(true);
    const total = tasks.reduce((n, t) => n + (t.range.to - t.range.from), 0n);
    expect(total).toBe(RING_END);
  });
});

describe("RingSyncProgress", () => {
  const task = (candidates: string[], needed: number): SyncTask => ({ range: { from: 0n, to: 10n }, candidates, needed, done: new Set() });

  test("complete only once every task was compared with as many previous owners as it needs", () => {
    const t1 = task(["b", "c", "d"], 2);
    const t2 = task(["c", "d"], 1);
    const p = new RingSyncProgress("v", [t1, t2]);
    const all = () => true;
    expect(p.complete).toBe(false);
    const first = p.next(all, 10)!;
    expect(first.peer).toBe("b");
    expect(first.tasks).toEqual([t1]);
    p.compared(first.peer, first.tasks);
    expect(p.complete).toBe(false);
    const second = p.next(all, 10)!;
    expect(second.peer).toBe("c");
    expect(second.tasks).toEqual([t1, t2]);
    p.compared(second.peer, second.tasks);
    expect(p.complete).toBe(true);
    expect(p.remaining).toBe(0);
    expect(p.next(all, 10)).toBeUndefined();
  });

  test("an unreachable previous owner is passed over; with too few reachable the plan waits (the valve covers it)", () => {
    const t = task(["b", "c", "d"], 2);
    const p = new RingSyncProgress("v", [t]);
    const up = new Set(["c"]);
    const step = p.next((id) => up.has(id), 10)!;
    expect(step.peer).toBe("c");
    p.compared("c", step.tasks);
    expect(p.next((id) => up.has(id), 10)).toBeUndefined();
    expect(p.complete).toBe(false);
    up.add("d");
    p.compared("d", p.next((id) => up.has(id), 10)!.tasks);
    expect(p.complete).toBe(true);
  });

  test("at most `limit` tasks a step", () => {
    const tasks = Array.from({ length: 5 }, () => task(["b"], 1));
    const p = new RingSyncProgress("v", tasks);
    expect(p.next(() => true, 2)!.tasks.length).toBe(2);
  });

  test("an empty plan (a lone node) is complete at once", () => {
    expect(new RingSyncProgress("v", []).complete).toBe(true);
    expect(syncPlan("a", { ring: ring(["a"]), factor: 1 }, [])).toEqual([]);
  });
});
