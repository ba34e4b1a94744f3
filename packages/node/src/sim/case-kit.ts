// What the scripted cases (cases.ts and the *-case.ts files beside it) share.
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
