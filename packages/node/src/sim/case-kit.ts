// What the scripted cases (cases.ts and the *-case.ts files beside it) share.
import type { RunContext } from "./runner.ts";
import type { NodeProcess } from "./virtual-node.ts";

/** The running process of node `id` (a case's client goes through it); throws when it is down. */
export function via(run: RunContext, id: string): NodeProcess {
  const p = run.cluster.running(id);
  if (!p) throw new Error(`case: ${id} is not running`);
  return p;
}
