// The scale case (issue 14): a big cluster (1,000 nodes by default) of the real SWIM and storage code under
// 5 % message loss and a light workload through random nodes, then a tenth as many nodes again joining at
// one instant, then a tenth of all nodes crashing at one instant, then those coming back at one instant.
// After each phase it measures the virtual time, in protocol periods, until every running node's view
// agrees with the truth (everyone running alive, everyone crashed dead), beside log2(N), and counts false
// suspicions and deaths (of members that were running). A phase over its bound of ROUNDS_PER_LOG2_N ×
// log2(N) periods, or any false death, is a violation; the usual invariants are checked after healing.
import type { Violation } from "./invariants.ts";
import type { RunContext, Script } from "./runner.ts";
import { fork, type Rng } from "./rng.ts";
import { addressOf } from "./virtual-node.ts";

/** A phase must converge within this many protocol periods per log2(N): the O(log N) bound, with room. */
export const ROUNDS_PER_LOG2_N = 4;
/** How long the cluster is watched under loss alone before the first wave (false suspicions only). */
const LOSS_HOLD_MS = 20_000;
/** After a phase converged, the cluster runs this long before the next wave. */
const SETTLE_MS = 5_000;
const POLL_MS = 100;

export interface PhaseResult {
  name: string;
  /** Running nodes once the wave hit (the N of log2 N). */
  live: number;
  startedAt: number;
  /** Virtual ms from the wave to the first moment every view agreed; undefined: not within the bound. */
  convergedMs: number | undefined;
  /** convergedMs in protocol periods. */
  rounds: number | undefined;
  boundRounds: number;
  falseSuspicions: number;
  falselySuspected: number;
  falseDeaths: number;
  wallMs: number;
}

interface Wave {
  name: string;
  /** Watch at least this long (the loss phase has nothing to converge). */
  holdMs?: number;
  hit: () => void;
}

const log2 = (n: number) => Math.log2(Math.max(2, n));

export function describePhase(p: PhaseResult): string {
  const l2 = log2(p.live);
  const converged =
    p.rounds === undefined
      ? `NOT converged within ${p.boundRounds.toFixed(0)} periods`
      : `converged ${(p.convergedMs! / 1000).toFixed(1)} s = ${p.rounds.toFixed(1)} periods (log2 N ${l2.toFixed(1)}, ${(p.rounds / l2).toFixed(2)} × log2 N)`;
  return (
    `${p.name.padEnd(26)} N ${String(p.live).padStart(4)}  ${converged}; ` +
    `false suspicions ${p.falseSuspicions} (${p.falselySuspected} members), false deaths ${p.falseDeaths}; wall ${(p.wallMs / 1000).toFixed(1)} s`
  );
}

/** Runs the waves one after another, each once the previous one converged (or ran past its bound). */
class Waves {
  readonly results: PhaseResult[] = [];
  done = false;
  private readonly periodMs: number;

  constructor(
    private readonly run: RunContext,
    private readonly waves: Wave[],
  ) {
    this.periodMs = run.cluster.settings.probeIntervalMs;
  }

  begin(i: number): void {
    const wave = this.waves[i];
    if (!wave) {
      this.done = true;
      return;
    }
    const { cluster, workload } = this.run;
    const { views, events } = cluster;
    wave.hit();
    views.mark();
    const live = cluster.liveIds().length;
    const bound = ROUNDS_PER_LOG2_N * log2(live);
    const before = { suspicions: views.falseSuspicions, suspected: new Set(views.falselySuspected), deaths: views.falseDeaths };
    const startedAt = events.now;
    const wallStart = performance.now();
    const finish = (convergedMs: number | undefined) => {
      const result: PhaseResult = {
        name: wave.name,
        live,
        startedAt,
        convergedMs,
        rounds: convergedMs === undefined ? undefined : convergedMs / this.periodMs,
        boundRounds: bound,
        falseSuspicions: views.falseSuspicions - before.suspicions,
        falselySuspected: [...views.falselySuspected].filter((id) => !before.suspected.has(id)).length,
        falseDeaths: views.falseDeaths - before.deaths,
        wallMs: performance.now() - wallStart,
      };
      this.results.push(result);
      cluster.trace.log(events.now, "scale", describePhase(result));
      if (convergedMs === undefined) for (const line of views.sample()) cluster.trace.log(events.now, "scale", `  ${line}`);
    };
    const poll = () => {
      const elapsed = events.now - startedAt;
      // A light workload through random nodes while the phase runs (scheduled a slice at a time: the phases' lengths are not known ahead).
      workload.schedule(events.now, events.now + POLL_MS);
      const agreed = views.agreedAt;
      if (agreed !== undefined && elapsed >= (wave.holdMs ?? 0)) {
        finish(agreed - startedAt);
        events.after(SETTLE_MS, () => this.begin(i + 1));
      } else if (agreed === undefined && elapsed >= bound * this.periodMs) {
        finish(undefined);
        events.after(SETTLE_MS, () => this.begin(i + 1));
      } else events.after(POLL_MS, poll);
    };
    poll();
  }
}

/** `count` running nodes picked at random. */
function pickLive(run: RunContext, rng: Rng, count: number): string[] {
  const ids = run.cluster.liveIds();
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.slice(0, count).sort();
}

export const scaleCase: Script = {
  schedule(run, start) {
    const { cluster, params } = run;
    const rng = fork(run.rng);
    const crashed: string[] = [];
    const bootMs = start - 1000;
    const waves: Wave[] = [
      {
        name: `${(params.loss * 100).toFixed(0)} % loss`,
        holdMs: LOSS_HOLD_MS,
        hit: () => {
          cluster.net.conditions = { lossRate: params.loss, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 10 };
        },
      },
      {
        name: `${Math.round(params.nodes / 10)} join at once`,
        hit: () => {
          // As `docker compose up` would: every newcomer is given the same three seeds.
          const seeds = cluster.liveIds().slice(0, 3).map(addressOf);
          const ids = Array.from({ length: Math.round(params.nodes / 10) }, () => run.newNode());
          cluster.trace.log(cluster.events.now, "scale", `JOIN ${ids.length} nodes via ${seeds.join(",")}`);
          for (const id of ids) cluster.start(id, seeds);
        },
      },
      {
        name: "10 % crash at once",
        hit: () => {
          crashed.push(...pickLive(run, rng, Math.round(cluster.liveIds().length / 10)));
          cluster.trace.log(cluster.events.now, "scale", `CRASH ${crashed.length} nodes`);
          for (const id of crashed) cluster.kill(id, false);
        },
      },
      {
        name: "the crashed restart at once",
        hit: () => {
          const seed = addressOf(cluster.liveIds()[0]!);
          cluster.trace.log(cluster.events.now, "scale", `RESTART ${crashed.length} nodes`);
          for (const id of crashed) cluster.start(id, [seed]);
        },
      },
    ];
    const phases = new Waves(run, waves);
    cluster.events.at(start, () => phases.begin(0));
    return {
      heal: () => {
        cluster.net.conditions = { ...cluster.net.conditions, lossRate: 0 };
      },
      finished: () => phases.done,
      report: () => [
        `boot (${params.boot}) ${params.nodes} nodes: every view agreed at ${(bootMs / 1000).toFixed(1)} s virtual`,
        ...phases.results.map(describePhase),
      ],
      measures: () => {
        const out: Record<string, number> = { phases: phases.results.length, falseDeaths: cluster.views.falseDeaths };
        phases.results.forEach((p, i) => {
          out[`${i}.rounds`] = p.rounds ?? Number.POSITIVE_INFINITY;
          out[`${i}.bound`] = p.boundRounds;
          out[`${i}.falseSuspicions`] = p.falseSuspicions;
        });
        return out;
      },
      check: () => {
        const out: Violation[] = [];
        if (phases.results.length < waves.length) {
          out.push({ invariant: "13 membership rounds", message: `only ${phases.results.length} of ${waves.length} phases ran within the case's ${params.durationS} s` });
        }
        for (const p of phases.results) {
          if (p.rounds === undefined) out.push({ invariant: "13 membership rounds", message: `${p.name}: views did not agree within ${p.boundRounds.toFixed(1)} periods (${ROUNDS_PER_LOG2_N} × log2 ${p.live})` });
        }
        const { views } = cluster;
        if (views.falseDeaths > 0) {
          out.push({ invariant: "14 false death", message: `${views.falseDeaths} deaths of running members declared (${[...views.falselyDead].slice(0, 5).join(",")}${views.falselyDead.size > 5 ? ", ..." : ""})` });
        }
        return out;
      },
    };
  },
};
