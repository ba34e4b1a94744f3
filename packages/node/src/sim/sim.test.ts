// The simulator in the suite: ~300 short seeds (5-50 nodes) must keep every invariant, a seed must replay
// exactly, and broken rules must be caught. Replay a failure with the `pnpm sim ...` command it prints.
import { describe, expect, test } from "bun:test";
import { loadHash64 } from "../ring/hash.ts";
import type { Violation } from "./invariants.ts";
import { runScenario, type RunResult } from "./runner.ts";
import { deriveScenario, type Overrides } from "./scenario.ts";

const hash = await loadHash64();
const TIMEOUT = 180_000;

/** Seed groups: many small short runs, some mid-sized, a few with 50 nodes. */
const groups: Array<{ first: number; count: number; pin: (seed: number) => Overrides }> = [
  { first: 1000, count: 280, pin: (s) => ({ nodes: 5 + (s % 12), durationS: 8 + (s % 13) }) },
  { first: 2000, count: 16, pin: (s) => ({ nodes: 20 + (s % 21), durationS: 25 }) },
  { first: 3000, count: 6, pin: () => ({ nodes: 50, durationS: 25 }) },
];

async function runBatch(): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const g of groups) {
    for (let seed = g.first; seed < g.first + g.count; seed++) results.push(await runScenario(deriveScenario(seed, g.pin(seed)), { hash }));
  }
  return results;
}
const batch = runBatch();

function report(results: RunResult[], keep: (v: Violation) => boolean): string[] {
  return results.flatMap((r) =>
    r.violations.filter(keep).map((v) => `seed ${r.params.seed} invariant ${v.invariant}: ${v.message}\n  replay: ${r.replay}`),
  );
}

describe("cluster simulator", () => {
  test(
    "hundreds of short seeds: membership, manifests, deletes and durability hold; every chunk ends on all of its owners",
    async () => {
      const results = await batch;
      expect(results.length).toBeGreaterThanOrEqual(300);
      expect(results.reduce((n, r) => n + r.writes.acked, 0)).toBeGreaterThan(1000);
      expect(report(results, () => true)).toEqual([]);
      // Every seed that converged did so well inside its bound.
      for (const r of results) if (r.violations.length === 0) expect(r.convergedAfterMs!).toBeLessThan(r.params.healS * 1000);
    },
    TIMEOUT,
  );

  test(
    "a seed replays exactly (same trace digest); another seed does not",
    async () => {
      const run = (seed: number, o: Overrides) => runScenario(deriveScenario(seed, o), { hash });
      for (const [seed, o] of [
        [7, { nodes: 12, durationS: 15 }],
        [8, { nodes: 9, durationS: 12, wire: true }],
      ] as const) {
        const a = await run(seed, o);
        const b = await run(seed, o);
        expect(a.digest, `seed ${seed}: ${a.replay}`).toBe(b.digest);
        expect(a.messages).toBe(b.messages);
        expect(a.violations).toEqual(b.violations);
        expect((await run(seed + 100, o)).digest).not.toBe(a.digest);
      }
    },
    TIMEOUT,
  );

  test(
    "the checker catches a placement check that never runs",
    async () => {
      // Crashes and restarts only, no loss: nodes that come back miss the writes made while they were dead.
      // The backstops (surplus sweeper, chunk anti-entropy) are off: they would eventually cover for it.
      const pin: Overrides = {
        nodes: 8,
        durationS: 25,
        loss: 0,
        kills: 3,
        partitions: 0,
        joins: 0,
        permanentLoss: false,
        healS: 60,
        chunkSyncS: 0,
        rebalanceGraceS: -1,
      };
      let real = 0;
      let broken = 0;
      for (let seed = 1; seed <= 6; seed++) {
        real += (await runScenario(deriveScenario(seed, pin), { hash })).violations.length;
        const r = await runScenario(deriveScenario(seed, { ...pin, broken: ["no-placement-check"] }), { hash });
        broken += r.violations.filter((v) => v.invariant === "2 durability" && v.chunk).length;
      }
      expect(broken).toBeGreaterThan(0);
      expect(broken).toBeGreaterThan(real);
    },
    TIMEOUT,
  );

  test(
    "the checker catches manifests that only travel by push",
    async () => {
      let caught = 0;
      for (let seed = 1; seed <= 4 && caught === 0; seed++) {
        const pin: Overrides = { nodes: 10, durationS: 20, loss: 0.1, partitions: 1, healS: 60, broken: ["no-anti-entropy"] };
        const r = await runScenario(deriveScenario(seed, pin), { hash });
        caught += r.violations.filter((v) => v.invariant === "4 convergence" || (v.invariant === "2 durability" && !v.chunk)).length;
      }
      expect(caught).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});
