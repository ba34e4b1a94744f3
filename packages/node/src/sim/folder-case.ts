// The folder-factors case (issue 10): a top-level folder's own replication factor, set and unset at runtime
// through one node's live settings, moves the copies of exactly the chunks its files reference. Files in f2,
// f4 and plain/; one chunk shared by f2 and f4, one by f2 and plain/. f2 is set to 2 and f4 to 4; once the
// sweeper's grace has passed every chunk must sit on exactly as many live nodes as the largest factor of the
// folders referencing it asks for (the oracle reads the rows, not the node's ChunkFactors). Then f2 is unset
// and the same must hold after healing, with f2 back at the cluster's 3.
import { topFolderOf } from "../metadata/path.ts";
import type { Violation } from "./invariants.ts";
import type { RunContext, Script } from "./runner.ts";
import type { FileOp } from "./workload.ts";

const CLUSTER_FACTOR = 3;

/** Chunks not on exactly the copies the folders referencing them ask for (live nodes holding a copy). */
function misplaced(run: RunContext, folderFactors: Record<string, number>, when: string): Violation[] {
  const { cluster } = run;
  const live = cluster.liveIds();
  const ref = cluster.running(live[0]!)!;
  const want = new Map<string, number>();
  for (const row of ref.node.manifests.changesSince({}, Number.MAX_SAFE_INTEGER).entries) {
    if (row.deleted || row.kind !== "file") continue;
    const factor = Math.min(folderFactors[topFolderOf(row.path)] ?? CLUSTER_FACTOR, live.length);
    for (const chunk of row.chunks) want.set(chunk, Math.max(want.get(chunk) ?? 0, factor));
  }
  const out: Violation[] = [];
  for (const [chunk, factor] of want) {
    const holders = live.filter((id) => cluster.node(id).chunks.has(chunk));
    if (holders.length !== factor) {
      out.push({ invariant: "11 folder factor", chunk, holders: holders.length, message: `${when}: chunk ${chunk.slice(0, 12)} on ${holders.length} node(s) [${holders}], its folders ask for ${factor}` });
    }
  }
  return out;
}

export const folderFactors: Script = {
  nodes: 5,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const found: Violation[] = [];
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    const via = (id: string) => cluster.running(id)!;
    const setFolders = (id: string, change: Record<string, number | null>) =>
      via(id)
        .core.settings.set({ folderReplicationFactors: change })
        .catch((err: unknown) => found.push({ invariant: "boot", message: `folder-factors: setting ${JSON.stringify(change)} failed: ${String(err)}` }));
    // One write at a time: concurrent writes creating the same folder race for its row (a 503 write_conflict).
    const shared = workload.fresh(1);
    const mixed = workload.fresh(1);
    const writes: Array<[string, string, Uint8Array]> = [
      ...[0, 1, 2, 3].flatMap((i): Array<[string, string, Uint8Array]> => [["n0", `f2/x${i}`, workload.fresh(2)], ["n1", `f4/y${i}`, workload.fresh(2)]]),
      ["n2", "f2/s", shared],
      ["n3", "f4/deep/s", shared],
      ["n2", "f2/m", mixed],
      ["n4", "plain/m", mixed],
    ];
    writes.forEach(([node, path, bytes], i) => at(i * 200, () => setup.push(workload.write(via(node), path, bytes))));
    at(4000, () => void setFolders("n1", { f2: 2, f4: 4 }));
    // Writes placed at their folder's factor.
    at(20_000, () => setup.push(workload.write(via("n3"), "f2/late", workload.fresh(2))));
    at(20_500, () => setup.push(workload.write(via("n0"), "f4/late", workload.fresh(2))));
    // Past the sweeper's grace (REBALANCE_GRACE_S, 120 s) for f2's third copies.
    at(150_000, () => found.push(...misplaced(run, { f2: 2, f4: 4 }, "with f2 at 2 and f4 at 4")));
    at(152_000, () => void setFolders("n4", { f2: null }));
    return {
      heal: () => cluster.net.heal(),
      check: () => {
        const failed = setup.filter((op) => op.outcome !== "acked");
        const boot: Violation[] = failed.length ? [{ invariant: "boot", message: `folder-factors: ${failed.length} setup write(s) did not succeed` }] : [];
        return [...boot, ...found, ...misplaced(run, { f4: 4 }, "after f2 was unset")];
      },
    };
  },
};
