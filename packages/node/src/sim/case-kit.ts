// What the scripted cases (cases.ts and the *-case.ts files beside it) share.
import { ringSettleMs } from "../node-core.ts";
import type { Violation } from "./invariants.ts";
import type { RunContext } from "./runner.ts";
import type { NodeProcess } from "./virtual-node.ts";
import type { FileOp } from "./workload.ts";

/** The running process of node `id` (a case's client goes through it); throws when it is down. */
export function via(run: RunContext, id: string): NodeProcess {
  const p = run.cluster.running(id);
  if (!p) throw new Error(`case: ${id} is not running`);
  return p;
}

/** The operations a case needs to have succeeded for its point to be made (else the run proves nothing). */
export function setupCheck(ops: FileOp[], what: string): Violation[] {
  const failed = ops.filter((op) => op.outcome !== "acked");
  return failed.length === 0
    ? []
    : [{ invariant: "boot", message: `${what}: ${failed.length} setup operation(s) did not succeed, e.g. #${failed[0]!.id} ${failed[0]!.kind} ${failed[0]!.path}: ${failed[0]!.error ?? failed[0]!.outcome}` }];
}

/** Schedules `fn` at `t` ms after the boot's rings stopped counting (within the settle window a write goes to their owners too). */
export function afterSettled(run: RunContext, start: number): (t: number, fn: () => void) => void {
  const settled = ringSettleMs(via(run, "n0").ctx.settings.core) + 1000;
  return (t, fn) => run.cluster.events.at(start + settled + t, fn);
}

/** Of `candidates`, the node that is a manifest owner of the fewest of `paths` (as n0 places them). */
export function leastOwner(run: RunContext, paths: readonly string[], candidates: readonly string[]): { id: string; owns: number } {
  const owns = (id: string) => paths.filter((p) => via(run, "n0").placement.manifestOwners(p).includes(id)).length;
  const id = candidates.reduce((a, b) => (owns(b) < owns(a) ? b : a));
  return { id, owns: owns(id) };
}

/** Holds back node `id`'s manifest anti-entropy (as a slow round would); returns what resumes it. */
export function holdAntiEntropy(run: RunContext, id: string, why: string): () => void {
  const replicator = via(run, id).core.replicator;
  const tick = replicator.tick.bind(replicator);
  run.cluster.trace.log(run.cluster.events.now, id, `HOLD anti-entropy (${why})`);
  replicator.tick = () => undefined;
  return () => {
    run.cluster.trace.log(run.cluster.events.now, id, "RESUME anti-entropy");
    replicator.tick = tick;
  };
}
