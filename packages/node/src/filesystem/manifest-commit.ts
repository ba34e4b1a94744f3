// Commits manifest changes here and pushes them to their manifest owners until a durability level holds for
// every row: the rule behind every acknowledged write of the file system, versions kept alongside included.
import { OrreryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { compareVersions } from "../metadata/hlc.ts";
import { type Manifest, rowKey } from "../metadata/manifest.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { ownVersionRowPaths, versionsDirOf } from "../metadata/version-paths.ts";
import type { ManifestReplicator } from "../replication/manifest-replicator.ts";
import { copiesFor, type Durability, fewestInAny, type Placement, quorumInEach } from "../replication/placement.ts";
import { DurabilityError } from "../replication/write-coordinator.ts";
import type { VersioningState } from "../settings/folder-versioning.ts";
import { isParentDirChange, type ManifestChange, tombstoneOf } from "./changes.ts";
import { versionRowsFor } from "./versioning.ts";

/** A write whose rows lost to newer ones at replicas is stamped again above them, at most this many times. */
const MAX_COMMIT_ATTEMPTS = 3;

export interface ManifestCommitComponents {
  manifests: ManifestStore;
  placement: Placement;
  replicator: ManifestReplicator;
  selfId: string;
  log: Logger;
  /** Whether a top-level folder keeps versions; none does when absent. */
  versioning?: (folder: string) => VersioningState | undefined;
  /** Brings these directories' rows up to a read quorum's (FileSystem.refresh); without it, this node's rows are taken. */
  refreshDirs?: (paths: string[]) => Promise<void>;
}

/**
 * Commits `changes` locally, then pushes them until `durability` holds for them too: for every row, that many of
 * its path's manifest owners hold this very version, under the current ring and under any ring replaced moments
 * ago (placement.manifestOwnerSets). A replica that answers with a newer version for a path has seen a write ours
 * would lose to, so ours is stamped again above it (the HLC's receive rule) and pushed again: a 201 means the
 * quorum holds this write as the winner. With `keepVersions`, a versioned folder's rows keep their versions in
 * the same transaction (versioning.ts); the answer holds the rows of `changes` only, in their order.
 *
 * A row `pins` names is a value a Paxos round decided (a conditional write): it is committed at the decided
 * version, never stamped again above a newer one, since the newer one is a later decision that saw it (or a
 * write that follows it). Where this node or a replica already holds the path at or above that version, the
 * decision was moved past before its proposer applied it: linearizable as it is (it came first), so that row
 * is neither written nor waited for, and is answered as decided.
 *
 * A row that only makes a file's parent live (changes.ts, parentDirChange) is served by any live row of that
 * directory: a replica holding a newer one (another write into a new folder got there first) counts as holding
 * it, and no re-stamp follows once a live row at least as new is known here (after a quorum read of it if need
 * be). A newer deletion of the directory is a conflict like any other: the parent is written again above it.
 */
export async function commitManifests(
  c: ManifestCommitComponents,
  changes: ManifestChange[],
  durability: Durability,
  context: Record<string, unknown>,
  keepVersions: boolean,
  pins?: ReadonlyMap<string, string>,
): Promise<Array<Manifest & { manifestCopies: number }>> {
  const { manifests, placement, replicator, selfId, log } = c;
  const required = placement.required(durability);
  // Decided rows moved past already: by key, the row the answer reports.
  const movedPast = new Map<string, Manifest & { manifestCopies: number }>();
  const pass = (change: ManifestChange, version: string) => {
    log.info("a later write moved past this conditional write's decided row; answered as decided, not waited for", { path: change.path, decided: version });
    movedPast.set(rowKey(change), { ...change, version, origin: selfId, seq: 0, manifestCopies: required });
  };
  // Checked before every attempt: a later decision may reach this node while the write waits for its owners.
  const checkPins = (batch: ManifestChange[]) => {
    for (const change of batch) {
      const pin = pins?.get(rowKey(change));
      const held = pin === undefined ? undefined : manifests.get(change.path, change.kind);
      if (pin !== undefined && held && compareVersions(held.version, pin) >= 0) pass(change, pin);
    }
    return batch.filter((change) => !movedPast.has(rowKey(change)));
  };
  const answer = (rows: ReadonlyMap<string, Manifest & { manifestCopies: number }>) =>
    changes.map((change) => movedPast.get(rowKey(change)) ?? rows.get(rowKey(change))!);
  const pending = () => changes.filter((change) => !movedPast.has(rowKey(change)));
  // A Set, not changes.includes: a recursive delete commits one batch of thousands of rows.
  const isChange = new Set<ManifestChange>(changes);
  const stateOf = c.versioning;
  const derive = keepVersions && stateOf ? versionRowsFor(stateOf, (p, kind) => manifests.children(versionsDirOf(p, kind), { rows: true, limit: 10_000 }), (p, kind) => manifests.get(p, kind)) : undefined;
  let batch = pending();
  for (let attempt = 1; ; attempt++) {
    batch = checkPins(batch);
    if (batch.length === 0) return answer(new Map());
    const committed = manifests.commitLocalBatch(batch, derive, pins);
    // The local copy reaches the disk while the owners are asked (one fsync shared with concurrent writes).
    const localDurable = manifests.durable();
    localDurable.catch(() => {});
    // A row counts where its owners hold this very version: in every owner set of a recent ring (joint quorum).
    const ownerSets = committed.map((m) => placement.manifestOwnerSets(m.path));
    const parent = committed.map((_, i) => i < batch.length && isParentDirChange(batch[i]!));
    const holds = (acks: ReadonlyMap<string, string[]>, i: number) => (id: string) => {
      if (id === selfId) return true;
      const held = acks.get(id)?.[i];
      return held === committed[i]!.version || (parent[i]! && held !== undefined && compareVersions(held, committed[i]!.version) > 0);
    };
    /** The nodes that hold each row now (this one and every owner, of any recent ring, that took it): what `manifestCopies` reports. */
    const holders = (acks: ReadonlyMap<string, string[]>) =>
      committed.map((_, i) => {
        const ids = new Set([selfId]);
        for (const set of ownerSets[i]!) for (const id of set.owners) if (holds(acks, i)(id)) ids.add(id);
        return ids.size;
      });
    const durable = (acks: ReadonlyMap<string, string[]>) => committed.every((_, i) => quorumInEach(ownerSets[i]!, copiesFor(durability), holds(acks, i)));
    // A quorum (or all) write answers once its copies hold; the other owners' pushes go on. Waiting for them too
    // cost every create the slower of two owners' round trips and fsyncs (the faster one makes the quorum), and
    // a read through any node finds the row at a read quorum without them (R + W > N). A fast write, which no
    // read quorum is sure to find, still gives the other owners the replicator's grace.
    const acks = await replicator.publish(committed, durable, durability === "fast" ? undefined : 0);
    await localDurable;
    // The rows of `changes` lead the batch (the kept versions' tombstones of an earlier attempt follow them).
    const own = batch.reduce((n, b) => n + (isChange.has(b) ? 1 : 0), 0);
    // A replica that holds a later decision (or a write after it): the decision stands where it is.
    const overtaken = committed.filter((m, i) => pins?.get(rowKey(m)) === m.version && [...acks.values()].some((v) => v[i] !== undefined && compareVersions(v[i]!, m.version) > 0));
    if (overtaken.length > 0) {
      for (const m of overtaken) pass(m, m.version);
      batch = [...pending(), ...keptVersions(committed, own)];
      continue;
    }
    const newer = await conflict(c, committed, acks, parent);
    if (newer) {
      if (attempt >= MAX_COMMIT_ATTEMPTS) {
        throw new OrreryError(503, "write_conflict", `newer writes kept arriving for these paths (${attempt} attempts); try again`, context);
      }
      log.info("a replica holds a newer version; stamping the write again above it", { path: newer.path, theirs: newer.version, attempt });
      manifests.observe(newer.version);
      batch = [...pending(), ...keptVersions(committed, own)];
      continue;
    }
    const counts = holders(acks);
    if (!durable(acks)) {
      // The owner set that fell shortest (a quorum is needed in each).
      const manifestCopies = Math.min(...committed.map((_, i) => fewestInAny(ownerSets[i]!, holds(acks, i))));
      throw new DurabilityError(
        `the manifest reached ${manifestCopies} of the ${required} owner(s) durability '${durability}' needs; it will spread by anti-entropy`,
        { ...context, manifestCopies, required },
      );
    }
    // The rows of `changes` only: the versions kept alongside are the versioning operations' business.
    return answer(new Map(committed.slice(0, batch.length).map((m, i) => [rowKey(m), { ...m, manifestCopies: counts[i]! }])));
  }
}

/**
 * The newest version a replica answered above a committed row, or nothing when there is none, or when every
 * such row is a parent directory that a live row at least as new serves (known here, or after a quorum read).
 */
async function conflict(
  c: ManifestCommitComponents,
  committed: Manifest[],
  acks: ReadonlyMap<string, string[]>,
  parent: readonly boolean[],
): Promise<{ path: string; version: string } | undefined> {
  const above = committed.flatMap((m, i) => {
    let version: string | undefined;
    for (const held of acks.values()) {
      const v = held[i];
      if (v !== undefined && compareVersions(v, m.version) > 0 && (version === undefined || compareVersions(v, version) > 0)) version = v;
    }
    return version === undefined ? [] : [{ path: m.path, version, parent: parent[i]! }];
  });
  if (above.length === 0) return undefined;
  const newest = above.reduce((a, b) => (compareVersions(b.version, a.version) > 0 ? b : a));
  if (above.some((r) => !r.parent)) return newest;
  const served = () => above.every((r) => {
    const dir = c.manifests.get(r.path, "dir");
    return dir !== undefined && !dir.deleted && compareVersions(dir.version, r.version) >= 0;
  });
  if (served()) return undefined;
  await c.refreshDirs?.(above.map((r) => r.path));
  return served() ? undefined : newest;
}

/**
 * The versions an attempt kept of its own rows (the first `own` of `committed`), as tombstones: they go with
 * it when the write is stamped again, and the next attempt keeps them under its own versions.
 */
function keptVersions(committed: Manifest[], own: number): ManifestChange[] {
  const paths = committed.slice(0, own).flatMap(ownVersionRowPaths);
  return committed.filter((m) => paths.includes(m.path)).map((m) => tombstoneOf(m, m.mtime));
}
