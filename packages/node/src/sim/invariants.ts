// The checks. After healing, on every live node: (1) membership and placement agree, (2) acknowledged
// files are everywhere with every chunk on all its owners, (3) acknowledged deletes (of files and of
// folders) stay deleted, (4) all manifest stores are identical, (7) every live file is reachable: each
// folder above it is listed in its parent. Over the whole history: (5) a read returns what was
// acknowledged before it began, or something newer, and (6) conditional writes are linearizable: no two
// acknowledged ones ever decided on the same state, and none of their effects was lost.
import { compareVersions } from "../metadata/hlc.ts";
import { type Manifest, rowKey } from "../metadata/manifest.ts";
import { nameOf, parentOf } from "../metadata/path.ts";
import { isVersionsPath } from "../metadata/version-paths.ts";
import type { Cluster } from "./cluster.ts";
import type { NodeProcess } from "./virtual-node.ts";
import type { FileOp, History } from "./workload.ts";

export type InvariantName =
  | "1 membership"
  | "1 placement"
  | "2 durability"
  | "3 resurrection"
  | "4 convergence"
  | "5 stale read"
  | "6 linearizability"
  | "7 tree"
  | "8 real-time order"
  | "9 slow read"
  | "10 read after 200"
  | "11 folder factor"
  | "12 versions"
  | "13 membership rounds"
  | "14 false death"
  | "15 write refused"
  | "boot";

export interface Violation {
  invariant: InvariantName;
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

const describeRow = (row: Manifest | undefined) => (row ? `${row.deleted ? "tombstone" : row.kind} ${row.version}` : "absent");
const opLabel = (op: FileOp) => `${op.kind} #${op.id} ${op.path} ${op.version ?? ""} (via ${op.node})`;

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
 * The state invariants (1-4, 7); stops at the first family that fails (later ones would only echo it).
 * `quick` (for polling) reports only the first membership disagreement.
 */
export function checkInvariants(cluster: Cluster, history: History, quick = false, treeRule = true): Violation[] {
  const membership = checkMembership(cluster, quick);
  if (membership.length > 0) return membership.slice(0, MAX_REPORTED);
  const live = cluster.liveIds();
  if (live.length === 0) return [{ invariant: "1 membership", message: "no live node" }];
  const procs = live.map((id) => cluster.running(id)!);
  const out: Violation[] = [];
  const rowsOf = new Map(procs.map((p) => [p.id, allRows(p)] as const));
  checkConvergence(procs, rowsOf, out);
  checkAcknowledged(procs, history, out);
  checkChunks(cluster, procs, rowsOf.get(procs[0]!.id)!, history, out);
  if (out.length === 0) checkTree(procs, rowsOf, treeRule, out);
  return out.slice(0, MAX_REPORTED);
}

/** 4: identical rows everywhere. */
function checkConvergence(procs: NodeProcess[], rowsOf: Map<string, Manifest[]>, out: Violation[]): void {
  const ref = procs[0]!;
  const digests = new Map(procs.map((p) => [p.id, digestRows(rowsOf.get(p.id)!)] as const));
  const refDigest = digests.get(ref.id)!;
  for (const p of procs) {
    if (digests.get(p.id) === refDigest) continue;
    const mine = new Map(rowsOf.get(p.id)!.map((m) => [rowKey(m), m]));
    const theirs = new Map(rowsOf.get(ref.id)!.map((m) => [rowKey(m), m]));
    const diff = [...new Set([...mine.keys(), ...theirs.keys()])].sort().find((path) => mine.get(path)?.version !== theirs.get(path)?.version);
    out.push({
      invariant: "4 convergence",
      node: p.id,
      path: diff,
      message: `${p.id} rows ${digests.get(p.id)} differ from ${ref.id} ${refDigest}; first differing path ${diff}: ${describeRow(mine.get(diff ?? ""))} vs ${describeRow(theirs.get(diff ?? ""))}`,
    });
  }
}

/** 2 and 3: each acknowledged write and delete (of a file, or of a folder and all below), on every live node. */
function checkAcknowledged(procs: NodeProcess[], history: History, out: Violation[]): void {
  for (const path of history.paths()) {
    const best = history.latestAcked(path);
    if (best) {
      for (const p of procs) {
        // Writes, deletes and CAS name files; a directory of the same path is another row (rmdir, below).
        const row = p.node.manifests.get(path, "file");
        if (best.kind !== "delete") {
          if (!row || compareVersions(row.version, best.version!) < 0 || (row.version === best.version && row.deleted)) {
            out.push({ invariant: "2 durability", node: p.id, path, message: `acknowledged ${opLabel(best)} missing on ${p.id}: has ${describeRow(row)}` });
          }
        } else if (row && !row.deleted && compareVersions(row.version, best.version!) < 0) {
          out.push({ invariant: "3 resurrection", node: p.id, path, message: `acknowledged ${opLabel(best)} undone on ${p.id}: has ${describeRow(row)}` });
        }
      }
    }
    // A folder deleted or moved with everything below it: no file acknowledged before that began may be live
    // under its old name (a move that walked only the rows its node had left the others behind).
    for (const op of history.on(path)) {
      if ((op.kind !== "rmdir" && op.kind !== "move") || op.outcome !== "acked") continue;
      for (const p of procs) {
        const older = allRows(p).find((m) => {
          if (m.deleted || m.kind !== "file" || !m.path.startsWith(`${path}/`)) return false;
          const write = history.byVersion(m.path, m.version);
          return write !== undefined && write.outcome === "acked" && write.endedAt! < op.startedAt;
        });
        if (older) {
          out.push({ invariant: "3 resurrection", node: p.id, path: older.path, message: `acknowledged ${opLabel(op)} left /${older.path} ${older.version} (written before it) live on ${p.id}` });
        }
      }
    }
  }
}

/** 1 (placement) and 2 (copies): every chunk of every live file sits on each of its owners, which all agree. */
function checkChunks(cluster: Cluster, procs: NodeProcess[], rows: Manifest[], history: History, out: Violation[]): void {
  const ref = procs[0]!;
  const live = procs.map((p) => p.id);
  const checked = new Set<string>();
  for (const row of rows) {
    if (row.deleted || row.kind !== "file") continue;
    const op = history.byVersion(row.path, row.version);
    const label = op ? `${op.outcome} ${op.kind} #${op.id}` : "unrecorded write";
    for (const chunk of row.chunks) {
      if (checked.has(chunk)) continue;
      checked.add(chunk);
      const owners = ref.placement.owners(chunk);
      // The chunk's own factor: the largest its files' folders ask for (the cluster's without folder factors).
      const rf = Math.min(ref.placement.chunkFactor(chunk), live.length);
      for (const p of procs) {
        const theirs = p.placement.owners(chunk);
        if (theirs.join(",") !== owners.join(",")) {
          out.push({ invariant: "1 placement", node: p.id, chunk, path: row.path, message: `${p.id} places ${chunk.slice(0, 12)} on [${theirs}], ${ref.id} on [${owners}]` });
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
}

/**
 * 7: every live file is reachable by listing from the root on every node (with `treeRule` false, a folder
 * whose own row is a tombstone counts as gone, which is what lookups and listings did before the tree rule).
 */
function checkTree(procs: NodeProcess[], rowsOf: Map<string, Manifest[]>, treeRule: boolean, out: Violation[]): void {
  for (const p of procs) {
    const listed = new Map<string, Set<string>>();
    const names = (dir: string) => {
      let set = listed.get(dir);
      if (!set) {
        // By kind too: a folder must be listed as a folder, not merely by a file of its name beside it.
        set = new Set(p.core.fs.list(dir, { limit: 10_000 }).map((m) => rowKey({ path: nameOf(m.path), kind: m.kind })));
        listed.set(dir, set);
      }
      return set;
    };
    for (const row of rowsOf.get(p.id)!) {
      // Versions are rows outside the tree (metadata/version-paths.ts): nothing lists them.
      if (row.deleted || row.kind !== "file" || isVersionsPath(row.path)) continue;
      for (let path = row.path; path !== ""; path = parentOf(path)) {
        const folder = p.node.manifests.get(path, "dir");
        const entry = rowKey({ path: nameOf(path), kind: path === row.path ? "file" : "dir" });
        const reachable = treeRule ? names(parentOf(path)).has(entry) : path === row.path || (folder !== undefined && !folder.deleted);
        if (reachable) continue;
        out.push({ invariant: "7 tree", node: p.id, path: row.path, message: `live /${row.path} ${row.version} is unreachable on ${p.id}: /${parentOf(path)} does not list ${entry}` });
        break;
      }
    }
  }
}

/** 5: every acknowledged read saw the newest write or delete acknowledged before it began, or a newer one. */
export function checkReads(history: History): Violation[] {
  const out: Violation[] = [];
  for (const read of history.ops) {
    if (read.kind !== "read" || read.outcome !== "acked") continue;
    const before = history.latestAcked(read.path, read.startedAt);
    if (!before) continue;
    if (read.version === null || read.version === undefined || compareVersions(read.version, before.version!) < 0) {
      out.push({
        invariant: "5 stale read",
        node: read.node,
        path: read.path,
        message: `read #${read.id} of ${read.path} via ${read.node} at ${(read.startedAt / 1000).toFixed(3)} s saw ${read.saw} ${read.version ?? ""}, older than ${opLabel(before)} acknowledged at ${(before.endedAt! / 1000).toFixed(3)} s`,
      });
    }
  }
  return out.slice(0, MAX_REPORTED);
}

/**
 * 6: conditional writes against a compare-and-set register model. Every write carries unique content, so
 * the register's states never repeat: two acknowledged writes that required the same state forked the
 * history, and a final state that an acknowledged write required (and so moved past) lost that write.
 */
export function checkConditional(cluster: Cluster, history: History): Violation[] {
  const out: Violation[] = [];
  const live = cluster.liveIds().map((id) => cluster.running(id)!);
  for (const path of history.paths()) {
    const acked = history.on(path).filter((op) => op.kind === "cas" && op.outcome === "acked");
    if (acked.length === 0) continue;
    const byPrecondition = new Map<string, FileOp>();
    for (const op of acked) {
      const twin = byPrecondition.get(op.precondition!);
      if (twin) {
        out.push({
          invariant: "6 linearizability",
          path,
          message: `${opLabel(twin)} and ${opLabel(op)} both succeeded on the same state (${op.precondition!.slice(0, 12)})`,
        });
      } else byPrecondition.set(op.precondition!, op);
    }
    for (const p of live) {
      const row = p.node.manifests.get(path, "file");
      const state = row && !row.deleted ? row.sha256! : "absent";
      const lost = byPrecondition.get(state);
      if (lost) {
        out.push({ invariant: "6 linearizability", node: p.id, path, message: `${p.id} holds state ${state.slice(0, 12)} which acknowledged ${opLabel(lost)} had moved past` });
      }
    }
  }
  return out.slice(0, MAX_REPORTED);
}

/**
 * 8: on one path, a write or delete acknowledged before another began has the lower version, so the later
 * one wins everywhere (what "a 201 is never lost" means once versions decide between writes).
 */
export function checkOrder(history: History): Violation[] {
  const out: Violation[] = [];
  for (const path of history.paths()) {
    const acked = history.on(path).filter((op) => op.outcome === "acked" && (op.kind === "write" || op.kind === "delete" || op.kind === "cas"));
    for (const a of acked) {
      for (const b of acked) {
        if (a.endedAt! < b.startedAt && compareVersions(a.version!, b.version!) >= 0) {
          out.push({
            invariant: "8 real-time order",
            path,
            message: `${opLabel(b)} began after ${opLabel(a)} was acknowledged, yet has the lower version: the earlier one wins`,
          });
        }
      }
    }
  }
  return out.slice(0, MAX_REPORTED);
}
