// The checks after healing: (1) membership and placement agree, (2) acknowledged files are everywhere with
// every chunk on all its owners, (3) acknowledged deletes stay deleted, (4) all manifest stores are identical.
import { compareVersions } from "../metadata/hlc.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { Cluster } from "./cluster.ts";
import type { History } from "./workload.ts";
import type { NodeProcess } from "./virtual-node.ts";

export interface Violation {
  invariant: "1 membership" | "1 placement" | "2 durability" | "3 resurrection" | "4 convergence" | "boot";
  message: string;
  node?: string;
  path?: string;
  chunk?: string;
  /** For a chunk: live nodes holding a copy (owners or not), and how many of them are owners. */
  holders?: number;
  ownerHolders?: number;
}

const MAX_REPORTED = 12;

/** Every row of a store, in (origin, seq) order. */
function allRows(p: NodeProcess): Manifest[] {
  return p.node.manifests.changesSince({}, Number.MAX_SAFE_INTEGER).entries;
}

function digestRows(rows: Manifest[]): string {
  const sorted = [...rows].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const text = sorted.map((m) => `${m.path}|${m.version}|${m.deleted}|${m.kind}|${m.chunks.join(",")}`).join("\n");
  return `${Bun.hash(text).toString(16)}/${rows.length}`;
}

/** Invariant 1 (membership); `firstOnly` stops at the first node that disagrees (cheap polling). */
export function checkMembership(cluster: Cluster, firstOnly = false): Violation[] {
  const live = cluster.liveIds();
  const want = live.join(",");
  const out: Violation[] = [];
  for (const id of live) {
    if (firstOnly && out.length > 0) break;
    const p = cluster.running(id)!;
    const alive = p.swim.members().filter((m) => m.state === "alive").map((m) => m.id).sort();
    if (alive.join(",") !== want) {
      const missing = live.filter((x) => !alive.includes(x));
      const extra = alive.filter((x) => !live.includes(x));
      const states = missing.map((x) => `${x}:${p.swim.members().find((m) => m.id === x)?.state ?? "unknown"}`);
      out.push({
        invariant: "1 membership",
        node: id,
        message: `${id} sees ${alive.length} alive of ${live.length} live; not alive: [${states.join(",")}]; alive but not running: [${extra.join(",")}]`,
      });
    }
  }
  return out;
}

/**
 * All four invariants; stops at the first family that fails (later ones would only echo it).
 * `quick` (for polling) reports only the first membership disagreement.
 */
export function checkInvariants(cluster: Cluster, history: History, quick = false): Violation[] {
  const membership = checkMembership(cluster, quick);
  if (membership.length > 0) return membership.slice(0, MAX_REPORTED);
  const live = cluster.liveIds();
  if (live.length === 0) return [{ invariant: "1 membership", message: "no live node" }];
  const procs = live.map((id) => cluster.running(id)!);
  const ref = procs[0]!;
  const out: Violation[] = [];

  // 4: identical rows everywhere.
  const rowsOf = new Map(procs.map((p) => [p.id, allRows(p)] as const));
  const digests = new Map(procs.map((p) => [p.id, digestRows(rowsOf.get(p.id)!)] as const));
  const refDigest = digests.get(ref.id)!;
  for (const p of procs) {
    if (digests.get(p.id) === refDigest) continue;
    const mine = new Map(rowsOf.get(p.id)!.map((m) => [m.path, m]));
    const theirs = new Map(rowsOf.get(ref.id)!.map((m) => [m.path, m]));
    const diff = [...new Set([...mine.keys(), ...theirs.keys()])]
      .sort()
      .find((path) => mine.get(path)?.version !== theirs.get(path)?.version);
    out.push({
      invariant: "4 convergence",
      node: p.id,
      path: diff,
      message: `${p.id} rows ${digests.get(p.id)} differ from ${ref.id} ${refDigest}; first differing path ${diff}: ${mine.get(diff ?? "")?.version ?? "absent"} vs ${theirs.get(diff ?? "")?.version ?? "absent"}`,
    });
  }

  // 2 and 3: each acknowledged path, on every live node.
  for (const path of history.paths()) {
    const best = history.latestAcked(path);
    if (!best) continue;
    for (const p of procs) {
      const row = p.node.manifests.get(path);
      const got = row ? `${row.deleted ? "tombstone" : row.kind} ${row.version}` : "absent";
      if (best.kind === "write") {
        if (!row || compareVersions(row.version, best.version!) < 0 || (row.version === best.version && row.deleted)) {
          out.push({
            invariant: "2 durability",
            node: p.id,
            path,
            message: `acknowledged write #${best.id} ${path} ${best.version} (via ${best.node}) missing on ${p.id}: has ${got}`,
          });
        }
      } else if (row && !row.deleted && compareVersions(row.version, best.version!) < 0) {
        out.push({
          invariant: "3 resurrection",
          node: p.id,
          path,
          message: `acknowledged delete #${best.id} ${path} ${best.version} (via ${best.node}) undone on ${p.id}: has ${got}`,
        });
      }
    }
  }

  // 1 (placement) and 2 (copies): every chunk of every live file sits on each of its owners, which all agree.
  const rf = Math.min(cluster.settings.replicationFactor, live.length);
  const checked = new Set<string>();
  for (const row of rowsOf.get(ref.id)!) {
    if (row.deleted || row.kind !== "file") continue;
    const op = history.byVersion(row.path, row.version);
    const label = op ? `${op.outcome} ${op.kind} #${op.id}` : "unrecorded write";
    for (const chunk of row.chunks) {
      if (checked.has(chunk)) continue;
      checked.add(chunk);
      const owners = ref.placement.owners(chunk);
      for (const p of procs) {
        const theirs = p.placement.owners(chunk);
        if (theirs.join(",") !== owners.join(",")) {
          out.push({
            invariant: "1 placement",
            node: p.id,
            chunk,
            path: row.path,
            message: `${p.id} places ${chunk.slice(0, 12)} on [${theirs}], ${ref.id} on [${owners}]`,
          });
        }
      }
      const missing = owners.filter((o) => !cluster.running(o)?.node.chunks.has(chunk));
      if (owners.length < rf || missing.length > 0) {
        const holders = live.filter((id) => cluster.running(id)!.node.chunks.has(chunk));
        out.push({
          invariant: "2 durability",
          path: row.path,
          chunk,
          node: missing[0],
          holders: holders.length,
          ownerHolders: owners.length - missing.length,
          message: `chunk ${chunk.slice(0, 12)} of ${row.path} ${row.version} (${label}) missing on owner(s) [${missing}] of [${owners}]; live holders [${holders}]`,
        });
      }
    }
  }
  return out.slice(0, MAX_REPORTED);
}
