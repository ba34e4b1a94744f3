// Many SwimNodes on the deterministic simulated network: join, failure detection under loss, restart,
// partition healing, and replay (same seed, same trace). Set SWIM_SIM_SEED to replay a reported failure.
import { describe, expect, test } from "bun:test";
import { SimNetwork, type SimNetworkOptions } from "./sim-network.ts";

const SEED = Number(process.env.SWIM_SIM_SEED ?? 20240611);

const ids = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);

/** Starts n nodes one after another, all joining through n0, and waits until every node sees all alive. */
function converged(opts: Partial<SimNetworkOptions>, n: number): { sim: SimNetwork; all: string[] } {
  const sim = new SimNetwork({ seed: SEED, minDelayMs: 1, maxDelayMs: 25, ...opts });
  const all = ids(n);
  sim.addNode(all[0]!);
  for (const id of all.slice(1)) {
    sim.run(50);
    sim.addNode(id, [all[0]!]);
  }
  const ok = sim.runUntil(() => sim.allSeeAlive(all), 60_000);
  expect(ok, `seed ${opts.seed ?? SEED}: ${n} nodes did not converge; n0 sees ${sim.ringOf("n0").length}`).toBe(true);
  return { sim, all };
}

/** Lines of the trace in which some node declared one of `live` dead. */
function falseDeaths(sim: SimNetwork, live: string[]): string[] {
  return sim.trace.filter((line) => live.some((id) => line.includes(` sees ${id} `) && /->dead#/.test(line)));
}

describe("SWIM on a simulated network", () => {
  test("30 nodes join through one seed and agree on the alive set", () => {
    const { sim, all } = converged({ lossRate: 0.01, duplicateRate: 0.01 }, 30);
    for (const id of all) expect(sim.ringOf(id), `seed ${SEED}: view of ${id}`).toEqual([...all].sort());
    expect(falseDeaths(sim, all), `seed ${SEED}`).toEqual([]);
  });

  test("with 5% loss a killed node is declared dead everywhere in bounded time, and no live node is", () => {
    const { sim, all } = converged({ lossRate: 0.05, duplicateRate: 0.01 }, 30);
    const victim = "n17";
    sim.kill(victim);
    const killedAt = sim.now;
    // Detection (a few probe periods) + suspicion timeout (4 * log10(30) s = 5.9 s) + dissemination.
    const ok = sim.runUntil(() => sim.allSee(victim, "dead"), 20_000);
    expect(ok, `seed ${SEED}: ${victim} not dead everywhere 20 s after the kill`).toBe(true);
    const elapsed = sim.now - killedAt;
    expect(elapsed, `seed ${SEED}`).toBeGreaterThan(sim.config.probeIntervalMs * 4);
    // Keep running: false suspicions under loss must be refuted, never turn into deaths.
    sim.run(60_000);
    const live = all.filter((id) => id !== victim);
    expect(falseDeaths(sim, live), `seed ${SEED}: live nodes declared dead`).toEqual([]);
    expect(sim.allSeeAlive(live), `seed ${SEED}: live set after 60 s`).toBe(true);
    expect(sim.allSee(victim, "dead"), `seed ${SEED}`).toBe(true);
  });

  test("a killed node restarted with fresh state (incarnation 0, new ports) rejoins and is alive everywhere", () => {
    const { sim, all } = converged({ lossRate: 0.02 }, 20);
    sim.kill("n5");
    expect(sim.runUntil(() => sim.allSee("n5", "dead"), 30_000), `seed ${SEED}: n5 not declared dead`).toBe(true);
    const deadIncarnation = sim.view("n0", "n5")!.incarnation;

    const restarted = sim.addNode("n5", ["n0"], { gossipPort: 7947, httpPort: 8081 });
    expect(restarted.self().incarnation).toBe(0);
    const rejoined = () =>
      sim.allSeeAlive(all) &&
      all.every((o) => o === "n5" || (sim.view(o, "n5")?.gossipPort === 7947 && sim.view(o, "n5")?.httpPort === 8081));
    expect(sim.runUntil(rejoined, 30_000), `seed ${SEED}: restarted n5 did not rejoin everywhere`).toBe(true);
    // It learned it had been declared dead and refuted above that incarnation.
    expect(restarted.self().incarnation, `seed ${SEED}`).toBeGreaterThan(deadIncarnation);
  });

  test("two halves partitioned past the suspicion timeout converge back to all alive when healed", () => {
    const { sim, all } = converged({ lossRate: 0.01, swim: { reconnectIntervalMs: 5000 } }, 20);
    const a = all.slice(0, 10);
    const b = all.slice(10);
    sim.partition([a, b]);
    const split = () =>
      a.every((o) => b.every((m) => sim.view(o, m)?.state === "dead")) &&
      b.every((o) => a.every((m) => sim.view(o, m)?.state === "dead"));
    expect(sim.runUntil(split, 60_000), `seed ${SEED}: halves did not declare each other dead`).toBe(true);
    expect(a.every((o) => sim.ringOf(o).join() === [...a].sort().join()), `seed ${SEED}`).toBe(true);

    sim.heal();
    expect(sim.runUntil(() => sim.allSeeAlive(all), 120_000), `seed ${SEED}: no convergence after heal`).toBe(true);
  });

  test("a graceful leave reaches every node, which keep the member as left and stop probing it", () => {
    const { sim, all } = converged({ lossRate: 0.02 }, 12);
    sim.leave("n4");
    expect(sim.runUntil(() => sim.allSee("n4", "left"), 10_000), `seed ${SEED}: leave did not spread`).toBe(true);
    sim.kill("n4");
    sim.run(30_000);
    expect(sim.allSee("n4", "left"), `seed ${SEED}: a left member changed state`).toBe(true);
    expect(sim.allSeeAlive(all.filter((id) => id !== "n4")), `seed ${SEED}`).toBe(true);
  });

  test("the same seed replays the same run; another seed does not", () => {
    const run = (seed: number) => {
      const sim = new SimNetwork({ seed, lossRate: 0.05, duplicateRate: 0.05, minDelayMs: 1, maxDelayMs: 40 });
      const all = ids(12);
      sim.addNode(all[0]!);
      for (const id of all.slice(1)) sim.addNode(id, [all[0]!]);
      sim.run(10_000);
      sim.kill("n3");
      sim.run(20_000);
      return sim.trace;
    };
    const first = run(SEED);
    expect(first.length, `seed ${SEED}`).toBeGreaterThan(100);
    expect(run(SEED), `seed ${SEED}: replay diverged`).toEqual(first);
    expect(run(SEED + 1)).not.toEqual(first);
  });
});

describe("gossip under loss and stalls (issue 10, case 6)", () => {
  /** n nodes converged without loss, then `lossRate` for `minutes`; the member changes seen meanwhile. */
  const lossy = (n: number, lossRate: number, minutes: number, streamProbes: boolean, seed = SEED) => {
    const { sim, all } = converged({ seed, streamProbes, maxDelayMs: 5 }, n);
    const from = sim.trace.length;
    sim.setLossRate(lossRate);
    sim.run(minutes * 60_000);
    const lines = sim.trace.slice(from);
    return { sim, all, dead: lines.filter((l) => /->dead#/.test(l)), suspect: lines.filter((l) => /->suspect#/.test(l)) };
  };

  test("30 % datagram loss for 10 minutes among 5 nodes (and 3), with the TCP fallback probe: nobody is even suspected", () => {
    for (const n of [5, 3]) {
      const { sim, all, dead, suspect } = lossy(n, 0.3, 10, true);
      expect(dead, `seed ${SEED}, ${n} nodes`).toEqual([]);
      expect(suspect, `seed ${SEED}, ${n} nodes`).toEqual([]);
      expect(sim.allSeeAlive(all)).toBe(true);
    }
  });

  test("datagrams alone (no TCP fallback), 10 % loss for 10 minutes among 3 nodes: suspicions, but no false death", () => {
    const { sim, all, dead, suspect } = lossy(3, 0.1, 10, false);
    expect(suspect.length, `seed ${SEED}`).toBeGreaterThan(0);
    expect(dead, `seed ${SEED}`).toEqual([]);
    expect(sim.allSeeAlive(all)).toBe(true);
  });

  test("a node stopped 4 s survives; stopped 10 s it is dead 5-8 s after it stopped; resumed, it accuses nobody and is alive again", () => {
    const { sim, all } = converged({ streamProbes: true, maxDelayMs: 5 }, 3);
    const stop = (ms: number) => {
      const from = sim.trace.length;
      const at = sim.now;
      sim.pause("n1");
      sim.run(ms);
      sim.resume("n1");
      sim.run(15_000);
      const lines = sim.trace.slice(from);
      const death = lines.find((l) => / sees n1 .*->dead#/.test(l));
      return { lines, deadAfter: death ? Number(death.split(" ")[0]) - at : undefined };
    };
    const short = stop(4000);
    expect(short.deadAfter, `seed ${SEED}: ${short.lines.join("\n")}`).toBeUndefined();
    const long = stop(10_000);
    // Detection (n1 is probed within a round of 2 periods) + the 4 s minimum: both others confirm.
    expect(long.deadAfter, `seed ${SEED}`).toBeGreaterThan(5000);
    expect(long.deadAfter, `seed ${SEED}`).toBeLessThan(8000);
    expect(long.lines.filter((l) => / n1 sees .*->(suspect|dead)#/.test(l)), `seed ${SEED}`).toEqual([]);
    expect(sim.allSeeAlive(all), `seed ${SEED}`).toBe(true);
  });
});
