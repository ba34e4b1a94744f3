// The stale-apply case: a Paxos decision its proposer never applied (it crashed between deciding and
// committing) is applied by another node whose own conditional write fails on it, while a third builds a
// new decision on top of it. The late application must not overwrite the later decision: applied at a fresh
// version of a node whose clock runs ahead, it did (the conditional create built on the decided delete was
// acknowledged and lost everywhere).
import { httpPrecondition } from "../consensus/http-preconditions.ts";
import type { Script } from "./runner.ts";
import { via } from "./case-kit.ts";
import type { FileOp } from "./workload.ts";

/** How far ahead n2's clock runs (inside MAX_CLOCK_OFFSET_MS, so its writes are taken). */
const AHEAD_MS = 400;


export const staleApply: Script = {
  nodes: 5,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    cluster.node("n2").clockSkewMs = AHEAD_MS;
    const deleteIfUnchanged = (id: string, path: string, sha: string) => {
      const p = via(run, id);
      const ifMatch = httpPrecondition(`"${sha}"`, undefined, (m) => m.sha256 ?? "");
      workload.run(p, "delete", path, async () => ({ version: (await p.core.fs.remove(path, false, "quorum", ifMatch, "file")).version }));
    };
    // n2 is cut off from the others for 2 s from the moment it applies a decision it found unapplied.
    let cutWhileApplying: number | undefined;
    const n2 = via(run, "n2");
    const decide = n2.core.conditional.decide.bind(n2.core.conditional);
    n2.core.conditional.decide = (change, precondition, onStale) =>
      decide(change, precondition, async (row) => {
        if (cutWhileApplying !== undefined) {
          n2.log("CUT OFF while applying a decision it found unapplied");
          cluster.net.partition([["n2"], cluster.liveIds().filter((x) => x !== "n2")]);
          at(cutWhileApplying + 4600, () => cluster.net.heal());
          cutWhileApplying = undefined;
        }
        await onStale?.(row);
      });
    for (let round = 0; round < 3; round++) {
      const t = round * 9000;
      const path = `s/k${round}`;
      const bytes = workload.fresh(1);
      const sha = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
      at(t, () => setup.push(workload.write(via(run, "n0"), path, bytes)));
      at(t + 2000, () => {
        // n1 deletes the file if unchanged, and crashes right after its decision, before committing it.
        const p1 = via(run, "n1");
        const decide = p1.core.conditional.decide.bind(p1.core.conditional);
        p1.core.conditional.decide = async (...args) => {
          const decision = await decide(...args);
          p1.log(`CRASH after deciding ${decision.row.path}, before committing it`);
          cluster.kill("n1", false);
          return new Promise<never>(() => {});
        };
        const ifMatch = httpPrecondition(`"${sha}"`, undefined, (m) => m.sha256 ?? "");
        workload.run(p1, "delete", path, async () => ({ version: (await p1.core.fs.remove(path, false, "quorum", ifMatch, "file")).version }));
      });
      // n2 (clock ahead) and n4 delete it if unchanged too: their rounds find n1's decision and fail on it
      // (412), each applying it first; n2 is cut off just as it applies it, so its copy spreads only after the
      // heal. n3 sees n4's application and creates the file if absent: its round builds on the decided delete.
      at(t + 2600, () => {
        cutWhileApplying = t;
        deleteIfUnchanged("n2", path, sha);
      });
      at(t + 2610, () => deleteIfUnchanged("n4", path, sha));
      at(t + 2700, () => {
        const p3 = via(run, "n3");
        const created = workload.fresh(1);
        const ifAbsent = httpPrecondition(undefined, "*", (m) => m.sha256 ?? "");
        const op = workload.run(p3, "cas", path, async () => ({ version: (await p3.core.fs.put(path, new Blob([created as Uint8Array<ArrayBuffer>]).stream(), "quorum", { precondition: ifAbsent })).version }), {
          sha: new Bun.CryptoHasher("sha256").update(created).digest("hex"),
        });
        op.precondition = "absent";
      });
      at(t + 7000, () => {
        cluster.trace.log(cluster.events.now, "n1", "RESTART");
        cluster.start("n1", []);
      });
    }
    return {
      heal: () => undefined,
      check: () => {
        const failed = setup.filter((op) => op.outcome !== "acked");
        return failed.length === 0 ? [] : [{ invariant: "boot", message: `stale-apply: ${failed.length} setup write(s) did not succeed` }];
      },
    };
  },
};
