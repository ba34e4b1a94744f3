// The lagging-loop case: one node's event loop runs 1.2 s behind (an overloaded host: every datagram, answer
// and timer reaches it 1.2 s late) while clients write through it. All clocks agree, so no write may be
// refused with clock_skew (the million-file benchmark's two false refusals). With --broken one-way-clock (a
// peer's largest recent one-way sample taken as its clock, the old estimate) the lagging node takes its
// peers' clocks for 1.2 s behind its own and refuses them.
import { afterSettled, via } from "./case-kit.ts";
import type { Script } from "./runner.ts";
import type { FileOp } from "./workload.ts";

const LAG_MS = 1200;

export const laggingLoop: Script = {
  nodes: 5,
  schedule(run, start) {
    const { cluster, workload } = run;
    const at = afterSettled(run, start);
    const writes: FileOp[] = [];
    const lag = (ms: number) => {
      const p = cluster.running("n1");
      if (!p) return;
      cluster.trace.log(cluster.events.now, "n1", `LOOP LAG ${ms} ms`);
      p.clock.lagMs = ms;
    };
    at(0, () => lag(LAG_MS));
    // From 15 s on: by then the old estimate's 32 samples per peer are all late ones.
    for (let i = 0; i < 30; i++) at(15_000 + i * 1000, () => writes.push(workload.write(via(run, "n1"), `lag/p${i}`)));
    at(48_000, () => lag(0));
    return {
      heal: () => lag(0),
      check: () =>
        writes
          .filter((op) => op.outcome !== "acked")
          .map((op) => ({
            invariant: "15 write refused" as const,
            node: op.node,
            path: op.path,
            message: `write #${op.id} of ${op.path} via ${op.node} (its loop ${LAG_MS} ms behind, every clock in step) was not acknowledged: ${op.error ?? op.outcome}`,
          })),
    };
  },
};
