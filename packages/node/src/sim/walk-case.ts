// The walk-move case: a folder is moved through a node that was not pushed the rows written below it moments
// before. A write's rows go to the manifest owners of its folder only (RF of five here); the other members take
// them from anti-entropy, later, so a move that walked the subtree from its own rows left those files behind
// under the old name (found with real processes: test/consistency/walks.test.ts). The mover's anti-entropy is
// held back while the files are written, as a slow round would be.
import { ringSettleMs } from "../node-core.ts";
import type { Script } from "./runner.ts";
import { setupCheck, via } from "./case-kit.ts";
import type { FileOp } from "./workload.ts";

const FILES = 8;

export const walkMove: Script = {
  nodes: 5,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    // After the boot's rings stopped counting: within the settle window a write goes to their owners too.
    const settled = ringSettleMs(via(run, "n0").ctx.settings.core) + 1000;
    const at = (t: number, fn: () => void) => cluster.events.at(start + settled + t, fn);
    const paths = Array.from({ length: FILES }, (_, i) => `w/d${i}/sub/f`);
    // The mover: of n1..n4, the one that owns the fewest of the files' folders (n0 writes them).
    const ownedBy = (id: string) => paths.filter((p) => via(run, "n0").placement.manifestOwners(p).includes(id)).length;
    const mover = ["n1", "n2", "n3", "n4"].reduce((a, b) => (ownedBy(b) < ownedBy(a) ? b : a));
    const replicator = via(run, mover).core.replicator;
    const tick = replicator.tick.bind(replicator);
    at(0, () => {
      cluster.trace.log(cluster.events.now, mover, `HOLD anti-entropy (owns ${ownedBy(mover)} of ${FILES} folders)`);
      replicator.tick = () => undefined;
    });
    paths.forEach((path, i) => at(100 + i * 150, () => setup.push(workload.write(via(run, "n0"), path))));
    at(100 + FILES * 150 + 300, () => setup.push(workload.move(via(run, mover), "w", "moved")));
    at(100 + FILES * 150 + 3000, () => {
      cluster.trace.log(cluster.events.now, mover, "RESUME anti-entropy");
      replicator.tick = tick;
    });
    return {
      heal: () => cluster.net.heal(),
      check: () => setupCheck(setup, "walk-move"),
    };
  },
};
