// The walk-move case: a folder is moved through a node that was not pushed the rows written below it moments
// before. A write's rows go to the manifest owners of its folder only (RF of five here); the other members take
// them from anti-entropy, later, so a move that walked the subtree from its own rows left those files behind
// under the old name (found with real processes: test/consistency/walks.test.ts). The mover's anti-entropy is
// held back while the files are written, as a slow round would be.
import type { Script } from "./runner.ts";
import { afterSettled, holdAntiEntropy, leastOwner, setupCheck, via } from "./case-kit.ts";
import type { FileOp } from "./workload.ts";

const FILES = 8;

export const walkMove: Script = {
  nodes: 5,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const at = afterSettled(run, start);
    const paths = Array.from({ length: FILES }, (_, i) => `w/d${i}/sub/f`);
    // The mover: of n1..n4, the one that owns the fewest of the files' folders (n0 writes them).
    const mover = leastOwner(run, paths, ["n1", "n2", "n3", "n4"]);
    let resume = () => {};
    at(0, () => (resume = holdAntiEntropy(run, mover.id, `owns ${mover.owns} of ${FILES} folders`)));
    paths.forEach((path, i) => at(100 + i * 150, () => setup.push(workload.write(via(run, "n0"), path))));
    at(100 + FILES * 150 + 300, () => setup.push(workload.move(via(run, mover.id), "w", "moved")));
    at(100 + FILES * 150 + 3000, () => resume());
    return {
      heal: () => cluster.net.heal(),
      check: () => setupCheck(setup, "walk-move"),
    };
  },
};
