// The versions case (issue 12): folder `vv` keeps versions (set through one node's live settings). One key
// is overwritten through every node, pairs of writes through two nodes at the same instant, a write on each
// side of a partition, a delete in between. Invariant 12: every acknowledged write of the key is a version
// on every live node after healing, and read through any node (its chunks, placed and fetched by the real
// reader) a version gives back exactly the bytes written under its id — never other bytes, never lost to a
// concurrent overwrite.
import { createHash } from "node:crypto";
import { openFileRead } from "../filesystem/read-stream.ts";
import type { Violation } from "./invariants.ts";
import type { RunContext, Script } from "./runner.ts";
import { simLogger } from "./sim-log.ts";
import type { FileOp } from "./workload.ts";

const KEY = "vv/doc";
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Acknowledged writes of the key that are not a version, or whose version is kept with other content, on any live node. */
function missingVersions(run: RunContext, writes: readonly FileOp[]): Violation[] {
  const out: Violation[] = [];
  for (const id of run.cluster.liveIds()) {
    const kept = new Map(run.cluster.running(id)!.core.versions.entries(KEY).map((e) => [e.versionId, e.row.sha256]));
    for (const op of writes) {
      if (op.outcome !== "acked") continue;
      const sha = kept.get(op.version!);
      if (sha !== op.sha) {
        out.push({ invariant: "12 versions", node: id, path: KEY, message: `acknowledged write #${op.id} ${op.version} (via ${op.node}) ${sha === undefined ? "is not a version" : `is kept with content ${String(sha).slice(0, 12)}, not ${op.sha!.slice(0, 12)}`} on ${id}` });
      }
    }
  }
  return out;
}

/** Reads every version of the key through every live node and compares the bytes with what its write sent. */
async function readBack(run: RunContext, writes: readonly FileOp[], found: Violation[]): Promise<void> {
  const sent = new Map(writes.filter((op) => op.outcome === "acked").map((op) => [op.version!, op.sha!]));
  for (const id of run.cluster.liveIds()) {
    const p = run.cluster.running(id)!;
    for (const v of await p.core.versions.list(KEY)) {
      if (v.deleteMarker || !sent.has(v.versionId)) continue;
      const stream = await openFileRead(v.row, 0, v.row.size - 1, p.core.reader, simLogger(p.ctx, p.id, "version-read"));
      const got = sha256(new Uint8Array(await new Response(stream).arrayBuffer()));
      if (got !== sent.get(v.versionId)) {
        found.push({ invariant: "12 versions", node: id, path: KEY, message: `version ${v.versionId} read through ${id} gave ${got.slice(0, 12)}, written ${sent.get(v.versionId)!.slice(0, 12)}` });
      }
    }
  }
}

export const versionsCase: Script = {
  nodes: 3,
  schedule(run, start) {
    const { cluster, workload } = run;
    const writes: FileOp[] = [];
    const found: Violation[] = [];
    const at = (t: number, fn: () => void) => cluster.events.at(start + t, fn);
    const via = (id: string) => cluster.running(id)!;
    const write = (id: string) => writes.push(workload.write(via(id), KEY, workload.fresh(2)));
    at(0, () => {
      workload.write(via("n0"), "vv/.keep", workload.fresh(1));
      via("n1").core.settings.set({ folderVersioning: { vv: "Enabled" } }).catch((err: unknown) => found.push({ invariant: "boot", message: `versions: enabling failed: ${String(err)}` }));
    });
    ["n0", "n1", "n2"].forEach((id, i) => at(3000 + i * 1000, () => write(id)));
    // Concurrent overwrites through two nodes: both must stay versions, whichever is current.
    at(7000, () => ["n0", "n2"].forEach(write));
    at(9000, () => ["n1", "n2"].forEach(write));
    at(11_000, () => workload.remove(via("n1"), KEY, false));
    at(13_000, () => write("n2"));
    // A partition: the majority side writes (n2 alone cannot reach a quorum: its write fails or stays unknown).
    at(15_000, () => cluster.net.partition([["n0", "n1"], ["n2"]]));
    at(15_500, () => ["n0", "n2"].forEach(write));
    at(20_000, () => cluster.net.heal());
    at(22_000, () => write("n1"));
    at(32_000, () => void readBack(run, writes, found).catch((err: unknown) => found.push({ invariant: "12 versions", message: `reading versions back failed: ${String(err)}` })));
    return {
      heal: () => cluster.net.heal(),
      check: () => {
        const acked = writes.filter((op) => op.outcome === "acked").length;
        const boot: Violation[] = acked < 8 ? [{ invariant: "boot", message: `versions: only ${acked} writes of ${KEY} were acknowledged` }] : [];
        return [...boot, ...found, ...missingVersions(run, writes)];
      },
    };
  },
};
