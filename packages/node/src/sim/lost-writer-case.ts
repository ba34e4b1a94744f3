// The lost-writer case: a write acknowledged at quorum while one chunk owner's copy was still only a row in the
// writer's replication queue, then the writer lost for good (simulator seed 214 with ecd6c96 in). No ring change
// names that owner (it owned the chunk all along), so only a backstop finds the missing copy: the replica census
// within a minute, chunk anti-entropy only when its rounds of eight co-owners reach the pair (every 5 min).
import { createHash } from "node:crypto";
import type { Violation } from "./invariants.ts";
import type { Script } from "./runner.ts";
import { afterSettled, setupCheck, via } from "./case-kit.ts";
import { SIM_CHUNK_SIZE } from "./context.ts";
import type { FileOp } from "./workload.ts";

/**
 * How long after the writer's loss every owner must hold the chunk: the census's interval (a minute) and the
 * queue's first delivery. Chunk anti-entropy's first round comes later (CHUNK_SYNC_INTERVAL_S, 5 min).
 */
export const LOST_WRITER_REPAIR_MS = 70_000;

const PATH = "w/lost";

export const lostWriter: Script = {
  nodes: 10,
  schedule(run, start) {
    const { cluster, workload } = run;
    const setup: FileOp[] = [];
    const at = afterSettled(run, start);
    const bytes = workload.fresh(1);
    const chunk = createHash("sha256").update(bytes.subarray(0, SIM_CHUNK_SIZE)).digest("hex");
    let scene: { writer: string; cutOff: string; lostAt?: number } | undefined;
    let missing: string[] | undefined;
    at(0, () => {
      const owners = via(run, "n0").placement.owners(chunk);
      const writer = cluster.liveIds().find((id) => id !== "n0" && !owners.includes(id))!;
      const cutOff = owners.at(-1)!;
      scene = { writer, cutOff };
      // The writer cannot reach one owner: that copy becomes a row in the writer's queue, retried after the answer.
      cluster.net.cut(writer, cutOff);
      cluster.trace.log(cluster.events.now, writer, `CUT from ${cutOff}; writing ${PATH} (chunk ${chunk.slice(0, 8)} on [${owners}])`);
      setup.push(workload.write(via(run, writer), PATH, bytes));
    });
    at(4000, () => {
      if (!scene) return;
      cluster.kill(scene.writer, true);
      scene.lostAt = cluster.events.now;
      cluster.net.heal();
    });
    at(4000 + LOST_WRITER_REPAIR_MS, () => {
      const live = cluster.liveIds();
      const owners = via(run, live[0]!).placement.owners(chunk);
      missing = owners.filter((o) => !cluster.running(o)?.node.chunks.has(chunk));
    });
    const check = (): Violation[] => {
      const broken = setupCheck(setup, "lost-writer");
      if (broken.length > 0 || !scene) return broken;
      if (scene.lostAt === undefined || missing === undefined) return [{ invariant: "boot", message: "lost-writer: the writer was not lost or the copies were not counted" }];
      if (missing.length === 0) return [];
      return [
        {
          invariant: "2 durability",
          path: PATH,
          chunk,
          message: `lost-writer: chunk ${chunk.slice(0, 12)} of ${PATH} still missing on [${missing}] ${LOST_WRITER_REPAIR_MS / 1000} s after its writer ${scene.writer} (which could not reach ${scene.cutOff}) was lost for good`,
        },
      ];
    };
    return { heal: () => cluster.net.heal(), lost: () => (scene?.lostAt === undefined ? [] : [scene.writer]), check };
  },
};
