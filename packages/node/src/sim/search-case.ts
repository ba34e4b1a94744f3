// The search-find case: a name search through a node that was not pushed the rows of the folders searched. A
// write's rows go to its folder's manifest owners only (RF of five here) and reach the others by anti-entropy,
// later; a search at any depth that read the node's own rows missed files written moments before through another
// node and still listed a file deleted through another (found with real processes:
// test/consistency/walks.test.ts). The searcher's anti-entropy is held back meanwhile, as a slow round would be.
import type { Violation } from "./invariants.ts";
import type { Script } from "./runner.ts";
import { afterSettled, holdAntiEntropy, leastOwner, setupCheck, via } from "./case-kit.ts";
import type { FileOp } from "./workload.ts";

const FILES = 6;

export const searchFind: Script = {
  nodes: 5,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const at = afterSettled(run, start);
    const paths = Array.from({ length: FILES }, (_, i) => `s/d${i}/sub/found`);
    const gone = "s/gone/found";
    // The searcher: of n1..n4, the one that owns the fewest of the folders searched (n0 writes them).
    const searcher = leastOwner(run, [...paths, gone], ["n1", "n2", "n3", "n4"]);
    let found: string[] | undefined;
    let failure: string | undefined;
    let resume = () => {};
    // The searcher writes `gone` itself (so it holds a live row of it), and it is deleted through n0 later.
    at(0, () => setup.push(workload.write(via(run, searcher.id), gone)));
    at(400, () => (resume = holdAntiEntropy(run, searcher.id, `owns ${searcher.owns} of ${FILES + 1} folders`)));
    paths.forEach((path, i) => at(500 + i * 150, () => setup.push(workload.write(via(run, "n0"), path))));
    at(500 + FILES * 150, () => setup.push(workload.remove(via(run, "n0"), gone, false)));
    at(500 + FILES * 150 + 400, () => {
      via(run, searcher.id)
        .core.fs.search("s", "FOUND", { limit: 100 })
        .then(
          (page) => (found = page.rows.map((r) => r.path)),
          (err: Error) => (failure = err.message),
        );
    });
    at(500 + FILES * 150 + 3000, () => resume());
    const check = (): Violation[] => {
      const broken = setupCheck(setup, "search-find");
      if (broken.length > 0) return broken;
      if (found === undefined) return [{ invariant: "5 stale read", node: searcher.id, message: `search-find: the search through ${searcher.id} failed: ${failure ?? "no answer"}` }];
      const want = [...paths].sort();
      const got = [...found].sort();
      return JSON.stringify(got) === JSON.stringify(want)
        ? []
        : [{ invariant: "5 stale read", node: searcher.id, message: `search-find: ${searcher.id} found [${got.join(", ")}], the acknowledged writes and delete make [${want.join(", ")}]` }];
    };
    return { heal: () => cluster.net.heal(), check };
  },
};
