import { expect, test } from "bun:test";
import { seedAddresses, watchSeedNames } from "./seed-addresses.ts";

test("seeds given as addresses stand for themselves; names for what they resolve to as well", async () => {
  const errors: string[] = [];
  const lookup = async (host: string) => {
    if (host === "orrery2") return ["10.0.0.2", "fd00::2"];
    throw new Error(`ENOTFOUND ${host}`);
  };
  const out = await seedAddresses(["10.0.0.1:4000", "orrery2:4000", "later:4000", "[fd00::3]:4000"], (seed) => errors.push(seed), lookup);
  expect(out).toEqual([["10.0.0.1:4000"], ["orrery2:4000", "10.0.0.2:4000", "[fd00::2]:4000"], ["later:4000"], ["[fd00::3]:4000"]]);
  expect(errors).toEqual(["later:4000"]);
});

test("names are looked up again until the node joins; addresses alone need no watch", async () => {
  let resolvable = false;
  let joined = false;
  const seen: string[][][] = [];
  const stop = watchSeedNames(["later:4000"], {
    intervalMs: 5,
    joined: () => joined,
    changed: (a) => {
      seen.push(a);
      if (seen.length === 3) joined = true;
    },
    onError: () => {},
    resolve: async () => {
      if (!resolvable) throw new Error("ENOTFOUND");
      return ["10.0.0.9"];
    },
  });
  await Bun.sleep(12);
  resolvable = true;
  while (!joined) await Bun.sleep(5);
  const rounds = seen.length;
  await Bun.sleep(30);
  stop();
  expect(seen.length).toBe(rounds); // no round after the node joined
  expect(seen[0]).toEqual([["later:4000"]]);
  expect(seen.at(-1)).toEqual([["later:4000", "10.0.0.9:4000"]]);
  let called = false;
  watchSeedNames(["10.0.0.1:4000"], { intervalMs: 1, joined: () => false, changed: () => (called = true), onError: () => {} })();
  await Bun.sleep(10);
  expect(called).toBe(false);
});
