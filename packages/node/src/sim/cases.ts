// The scripted cases of the consistency issue, each a short run on a small cluster that recreates what broke
// with real processes (`pnpm sim --case NAME --seed S`; the suite runs each on several seeds, and with the
// old rule put back through --broken, to show that the case catches it):
// - skew-partition: a node whose clock is 30 s (then 450 ms) behind writes a path right after another node,
//   cut off from it, deleted it; the later write must win or be refused, never be acknowledged and lost;
// - delete-folder: a folder deleted with everything below it while another node writes a file into it;
// - restart-read: a node that was down reads a path deleted (or rewritten) meanwhile, at once on restart;
// - hung-owner: a read through a node that holds no copy while the first holder it would ask is paused;
// - conditional-race: clients race "create if absent" and "replace if unchanged" through different nodes,
//   also across a partition;
// - unreadable-read: a read of a file with a chunk no live node holds fails before its stream opens;
// - folder-factors (folder-case.ts): per-folder replication factors set and unset at runtime.
// - versions (versions-case.ts): a versioned folder's key overwritten concurrently, across a partition.
// - scale (scale-case.ts): 1,000 nodes under 5 % loss, a join wave, a crash wave: convergence in periods.
// - folder-burst: many files written at once into a new folder through every node: none may be refused.
// - late-decision: a proposer pauses between its Paxos decision and its commit while later decisions build on it.
// - newcomer-island: two new nodes cut off from the cluster, one seeded with the other, must not serve as one.
// - stale-apply (stale-apply-case.ts): a decision applied late by another node must not overwrite a later one.
// - walk-move (walk-case.ts): a folder moved through a node not pushed the rows below it moves every file.
// - search-find (search-case.ts): a name search through a node not pushed the rows finds what was acknowledged.
// - lost-writer (lost-writer-case.ts): a copy left in the queue of a writer then lost for good reaches its owner.
// - lagging-loop (lagging-loop-case.ts): writes through a node whose event loop runs 1.2 s behind are not refused.
import { majority, quorumInEach } from "../replication/placement.ts";
import type { Violation } from "./invariants.ts";
import type { Script } from "./runner.ts";
import { setupCheck, via } from "./case-kit.ts";
import type { CaseName } from "./scenario.ts";
import { folderFactors } from "./folder-case.ts";
import { scaleCase } from "./scale-case.ts";
import { staleApply } from "./stale-apply-case.ts";
import { versionsCase } from "./versions-case.ts";
import { walkMove } from "./walk-case.ts";
import { searchFind } from "./search-case.ts";
import { lostWriter } from "./lost-writer-case.ts";
import { laggingLoop } from "./lagging-loop-case.ts";
import { addressOf } from "./virtual-node.ts";
import type { FileOp } from "./workload.ts";

const skewPartition: Script = {
  nodes: 3,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    const skewed = cluster.node("n2");
    // Five rounds with n2 far behind (its clock watch must stop it writing), five just under the bound
    // (its write must be stamped again above the delete it lost to).
    for (let round = 0; round < 10; round++) {
      const t = round * 6000;
      const path = `q/p${round}`;
      at(t, () => {
        skewed.clockSkewMs = round < 5 ? -30_000 : -450;
        cluster.trace.log(cluster.events.now, "n2", `CLOCK now ${skewed.clockSkewMs} ms off`);
        setup.push(workload.write(via(run, "n0"), path));
      });
      at(t + 2000, () => cluster.net.cut("n0", "n2"));
      at(t + 2500, () => setup.push(workload.remove(via(run, "n0"), path, false)));
      at(t + 2500 + (round < 5 ? 1000 : 40), () => workload.write(via(run, "n2"), path));
      at(t + 5000, () => cluster.net.heal());
    }
    return {
      heal: () => {
        cluster.net.heal();
        skewed.clockSkewMs = 0;
      },
      check: () => setupCheck(setup, "skew-partition"),
    };
  },
};

const WRITE_OFFSETS_MS = [-15, 0, 15, 30, 45, 60];

const deleteFolder: Script = {
  nodes: 4,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    for (let round = 0; round < 6; round++) {
      const t = round * 5000;
      const dir = `dd${round}`;
      at(t, () => setup.push(workload.write(via(run, "n0"), `${dir}/x`), workload.write(via(run, "n0"), `${dir}/sub/y`)));
      // Rounds 4 and 5 race across a 2|2 partition that heals afterwards.
      if (round >= 4) at(t + 1500, () => cluster.net.partition([["n0", "n1"], ["n2", "n3"]]));
      // The writes start a little before or after the delete (-15..+60 ms; the delete reads the whole tree at
      // quorum first): some read the folder before the delete lands and commit after it, which is what
      // orphaned files before the tree rule.
      at(t + 2000, () => workload.remove(via(run, "n0"), dir, true));
      at(t + 2000 + WRITE_OFFSETS_MS[round]!, () => {
        workload.write(via(run, round >= 4 ? "n2" : "n1"), `${dir}/new${round}`);
        workload.write(via(run, round >= 4 ? "n3" : "n2"), `${dir}/sub/new${round}`);
      });
      if (round >= 4) at(t + 4000, () => cluster.net.heal());
    }
    return { heal: () => cluster.net.heal(), check: () => setupCheck(setup, "delete-folder") };
  },
};

const restartRead: Script = {
  nodes: 3,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    for (let round = 0; round < 6; round++) {
      const t = round * 8000;
      const path = `r/p${round}`;
      at(t, () => setup.push(workload.write(via(run, "n0"), path)));
      at(t + 1500, () => cluster.kill("n2", false));
      // Even rounds delete, odd rounds rewrite, while n2 is down.
      at(t + 2500, () => setup.push(round % 2 === 0 ? workload.remove(via(run, "n0"), path, false) : workload.write(via(run, "n1"), path)));
      at(t + 5000, () => {
        cluster.trace.log(cluster.events.now, "n2", "RESTART");
        cluster.start("n2", [addressOf("n0")]);
      });
      // The first request the restarted node answers, before any sync round could have completed.
      at(t + 5000.5, () => workload.read(via(run, "n2"), path));
    }
    return { heal: () => cluster.net.heal(), check: () => setupCheck(setup, "restart-read") };
  },
};

/** A read through a non-holder must not wait for a paused holder longer than this (the issue: ~1 s). */
export const HUNG_READ_BOUND_MS = 1500;

const hungOwner: Script = {
  nodes: 4,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const reads: FileOp[] = [];
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    for (let round = 0; round < 4; round++) {
      const t = round * 20_000;
      const path = `h/p${round}`;
      let written: FileOp | undefined;
      at(t, () => setup.push((written = workload.write(via(run, "n0"), path))));
      at(t + 3000, () => {
        const chunk = written?.outcome === "acked" ? cluster.running("n0")!.node.manifests.get(path)?.chunks[0] : undefined;
        if (!chunk) return;
        const owners = cluster.running("n0")!.placement.owners(chunk);
        const gateway = cluster.liveIds().find((id) => !owners.includes(id))!;
        const victim = cluster.running(gateway)!.core.reader.candidates(chunk)[0]!;
        cluster.trace.log(cluster.events.now, victim, `PAUSED (SIGSTOP); reading ${path} through ${gateway}`);
        cluster.running(victim)!.clock.pause();
        at(t + 3010, () => reads.push(workload.read(via(run, gateway), path)));
        at(t + 13_000, () => {
          cluster.trace.log(cluster.events.now, victim, "RESUMED");
          cluster.running(victim)?.clock.resume();
        });
      });
    }
    return {
      heal: () => {
        for (const id of cluster.liveIds()) cluster.running(id)!.clock.resume();
      },
      check: () => [
        ...setupCheck(setup, "hung-owner"),
        ...setupCheck(reads, "hung-owner reads"),
        ...reads
          .filter((r) => r.endedAt !== undefined && r.endedAt - r.startedAt > HUNG_READ_BOUND_MS)
          .map((r): Violation => ({
            invariant: "9 slow read",
            node: r.node,
            path: r.path,
            message: `read #${r.id} of ${r.path} via ${r.node} took ${Math.round(r.endedAt! - r.startedAt)} ms with one holder paused (bound ${HUNG_READ_BOUND_MS} ms)`,
          })),
      ],
    };
  },
};

const conditionalRace: Script = {
  nodes: 5,
  schedule(run, start) {
    const { cluster, workload } = run;
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    const race = (t: number, key: string, a: string, b: string) => at(t, () => void [workload.cas(via(run, a), key), workload.cas(via(run, b), key)]);
    for (let i = 0; i < 4; i++) {
      const key = `k/a${i}`;
      race(i * 6000, key, "n0", "n3"); // both create if absent
      race(i * 6000 + 3000, key, "n1", "n4"); // both replace what they read
    }
    // Across a partition: each side has clients.
    at(25_000, () => cluster.net.partition([["n0", "n1"], ["n2", "n3", "n4"]]));
    for (let i = 0; i < 3; i++) {
      const key = `k/b${i}`;
      race(26_000 + i * 3000, key, "n0", "n3");
      race(27_500 + i * 3000, key, "n1", "n4");
    }
    at(36_000, () => cluster.net.heal());
    return { heal: () => cluster.net.heal() };
  },
};

/**
 * A read whose file has a chunk no live node holds must fail before its stream opens (a 503, never a 200
 * that resets mid-body). Each round writes a 3-chunk file, kills every holder of its second or third chunk
 * (not the path's manifest owners: the read must get past the manifest), reads through a live node once
 * while the holders still look alive and once after they are declared dead, then restarts them.
 */
const unreadableRead: Script = {
  nodes: 8,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const reads: FileOp[] = [];
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    for (let round = 0; round < 5; round++) {
      const t = round * 15_000;
      const path = `u/p${round}`;
      let written: FileOp | undefined;
      at(t, () => setup.push((written = workload.write(via(run, "n0"), path, workload.fresh(3)))));
      at(t + 2000, () => {
        const n0 = cluster.running("n0");
        const row = written?.outcome === "acked" ? n0?.node.manifests.get(path) : undefined;
        if (!n0 || !row) return;
        // The read asks a quorum of the owners of the path and of its folder (under every recent ring): those
        // must stay up.
        const ownerSets = [path, "u"].map((p) => n0.placement.manifestOwnerSets(p));
        const live = cluster.liveIds();
        const holdersOf = (id: string) => live.filter((n) => cluster.node(n).chunks.has(id));
        const readable = (victims: string[]) => ownerSets.every((sets) => quorumInEach(sets, majority, (o) => !victims.includes(o)));
        const chunk = row.chunks.slice(1).find((id) => readable(holdersOf(id)));
        if (!chunk) return;
        const victims = holdersOf(chunk);
        const gateway = live.find((id) => !victims.includes(id) && id !== "n0") ?? "n0";
        cluster.trace.log(cluster.events.now, gateway, `every holder of chunk ${chunk.slice(0, 8)} of ${path} killed: ${victims.join(",")}`);
        for (const v of victims) cluster.kill(v, false);
        at(t + 2100, () => reads.push(workload.read(via(run, gateway), path)));
        at(t + 10_000, () => reads.push(workload.read(via(run, gateway), path)));
        at(t + 11_000, () => {
          for (const v of victims) cluster.start(v, [addressOf(gateway)], { peersAsSeeds: true });
        });
      });
    }
    return {
      heal: () => undefined,
      check: () => {
        const out: Violation[] = [...setupCheck(setup, "unreadable-read")];
        if (reads.length < 4) out.push({ invariant: "boot", message: `unreadable-read: only ${reads.length} of the 10 reads could be set up (4 needed)` });
        for (const r of reads) {
          if (r.outcome === "acked") out.push({ invariant: "boot", node: r.node, path: r.path, message: `read #${r.id} of ${r.path} succeeded although no live node held one of its chunks` });
          else if (!/ChunkUnavailable|chunk_unavailable/.test(r.error ?? "")) {
            out.push({ invariant: "boot", node: r.node, path: r.path, message: `read #${r.id} of ${r.path} failed for another reason than the missing chunk: ${r.error}` });
          }
          else if (r.streamOpened) {
            out.push({ invariant: "10 read after 200", node: r.node, path: r.path, message: `read #${r.id} of ${r.path} via ${r.node} opened its stream and then failed (${r.error}): a client would see a 200 and a reset` });
          }
        }
        return out;
      },
    };
  },
};

/**
 * Many writes at once into a folder no node has yet, through every node (a client copying a folder with many
 * transfers, through several gateways): each carries a row creating the folder, and a replica holding another
 * write's newer row for it must not turn the write into a conflict. Every write must be acknowledged (with real
 * processes, 43 of 48 were refused with 503 write_conflict after three re-stamps).
 */
const folderBurst: Script = {
  nodes: 3,
  schedule(run, start) {
    const { cluster, workload } = run;
    const burst: FileOp[] = [];
    for (let round = 0; round < 4; round++) {
      const dir = round % 2 === 0 ? `fb${round}` : `fb${round}/a/b`;
      cluster.events.at(start + round * 5000, () => {
        for (let i = 0; i < 24; i++) burst.push(workload.write(via(run, `n${i % 3}`), `${dir}/f${i}`));
      });
    }
    return {
      heal: () => undefined,
      check: () =>
        burst
          .filter((op) => op.outcome !== "acked")
          .map((op) => ({ invariant: "15 write refused" as const, node: op.node, path: op.path, message: `write #${op.id} of ${op.path} via ${op.node} into a new folder was not acknowledged: ${op.error ?? op.outcome}` })),
    };
  },
};

/**
 * A proposer that pauses between its decision and its commit (a stalled disk, a long collection), while the
 * path moves on: another node's round finds the value accepted but unapplied and applies it (412 to its own
 * client), a third builds a decision on it (replace if unchanged), and only then does the first commit. It must
 * not overwrite the later decision (simulator seed 1001 found this when the first proposer was slowed by
 * re-stamps instead of a pause).
 */
const lateDecision: Script = {
  nodes: 5,
  schedule(run, start) {
    const { cluster, workload } = run;
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    const slow = via(run, "n1");
    const decide = slow.core.conditional.decide.bind(slow.core.conditional);
    slow.core.conditional.decide = async (...args) => {
      const decision = await decide(...args);
      slow.log(`PAUSE 2500 ms after deciding ${decision.row.path}`);
      await slow.clock.sleep(2500);
      return decision;
    };
    for (let round = 0; round < 4; round++) {
      const t = round * 6000;
      const key = `k/l${round}`;
      at(t, () => workload.cas(slow, key));
      at(t + 700, () => workload.cas(via(run, "n3"), key));
      at(t + 1400, () => workload.cas(via(run, "n4"), key));
    }
    return { heal: () => undefined };
  },
};

/**
 * Two newcomers that reach only each other (simulator seed 1057): n3 starts seeded with n0 while a partition
 * keeps it from the cluster, n4 starts seeded with n0 and n3. Neither may count the other toward a quorum:
 * before the join gate (membership/join-gate.ts) they formed a ring of two, acknowledged n4's write and
 * answered a quorum read through n3 with it after the cluster had acknowledged a newer one.
 */
const newcomerIsland: Script = {
  nodes: 3,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    at(0, () => {
      cluster.net.partition([["n0", "n1", "n2"], ["n3", "n4"]]);
      cluster.trace.log(cluster.events.now, "n3", "PARTITION [n0 n1 n2] | [n3 n4]; n3 JOIN via n0");
      cluster.add("n3", 0);
      cluster.start("n3", [addressOf("n0")]);
    });
    at(500, () => {
      cluster.trace.log(cluster.events.now, "n4", "JOIN via n0,n3");
      cluster.add("n4", 0);
      cluster.start("n4", [addressOf("n0"), addressOf("n3")]);
    });
    for (let round = 0; round < 4; round++) {
      const t = 4000 + round * 2000;
      const path = `i/p${round}`;
      at(t, () => workload.write(via(run, "n4"), path));
      at(t + 600, () => setup.push(workload.write(via(run, "n0"), path)));
      at(t + 1200, () => workload.read(via(run, "n3"), path));
    }
    at(13_000, () => cluster.net.heal());
    return { heal: () => cluster.net.heal(), check: () => setupCheck(setup, "newcomer-island") };
  },
};

export const cases: Record<CaseName, Script> = {
  "skew-partition": skewPartition,
  "delete-folder": deleteFolder,
  "restart-read": restartRead,
  "hung-owner": hungOwner,
  "conditional-race": conditionalRace,
  "unreadable-read": unreadableRead,
  "folder-factors": folderFactors,
  versions: versionsCase,
  "folder-burst": folderBurst,
  "late-decision": lateDecision,
  "newcomer-island": newcomerIsland,
  "stale-apply": staleApply,
  "lagging-loop": laggingLoop,
  "walk-move": walkMove,
  "search-find": searchFind,
  "lost-writer": lostWriter,
  scale: scaleCase,
};
