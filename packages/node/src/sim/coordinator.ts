// A client's write or delete at one node, as file-system.ts, upload.ts and write-coordinator.ts do it: chunks
// to their owners against the quorum, missing copies queued, then the manifest committed and pushed to a quorum.
import type { Manifest } from "../metadata/manifest.ts";
import type { ManifestChange } from "../metadata/manifest-store.ts";
import { parentOf } from "../metadata/path.ts";
import type { NodeProcess, Timer } from "./virtual-node.ts";
import { dirChange } from "../filesystem/file-system.ts";

export interface FileContent {
  chunks: string[];
  size: number;
  sha256: string;
  chunkSize: number;
}

export type OpResult =
  /** `copies`: the quorum the coordinator counted to (⌊n/2⌋+1 for its effective replication factor n). */
  | { ok: true; version: string; quorum: number }
  /** `unknown`: the coordinator crashed mid-way; the write may or may not have taken effect. */
  | { ok: false; error: string; unknown?: boolean; committed?: string };

/** upload.ts: chunks being placed at once. */
const MAX_IN_FLIGHT = 2;


/** Wraps `done` so it runs once, and is told "unknown" if the process dies first. */
function track(p: NodeProcess, done: (r: OpResult) => void): (r: OpResult) => void {
  let settled = false;
  const op = {
    abandon: () => {
      if (settled) return;
      settled = true;
      done({ ok: false, error: "coordinator crashed", unknown: true });
    },
  };
  p.ops.add(op);
  return (r) => {
    if (settled) return;
    settled = true;
    p.ops.delete(op);
    done(r);
  };
}

function wallNow(p: NodeProcess): number {
  return Math.floor(p.ctx.settings.epochMs + p.now + p.node.clockSkewMs);
}

function lookup(p: NodeProcess, path: string): Manifest | undefined {
  const m = p.node.manifests.get(path);
  return m && !m.deleted ? m : undefined;
}

function ancestorsToCreate(p: NodeProcess, path: string, mtime: number): ManifestChange[] | string {
  const missing: ManifestChange[] = [];
  for (let dir = parentOf(path); dir !== ""; dir = parentOf(dir)) {
    const m = lookup(p, dir);
    if (m?.kind === "file") return `parent_is_file: /${dir}`;
    if (m) break;
    missing.push(dirChange(dir, mtime));
  }
  return missing.reverse();
}

/** write-coordinator.ts writeParallel: `done(copies)` once the quorum held (or failed, copies < required). */
function writeChunk(p: NodeProcess, chunkId: string, done: (ok: boolean, why: string) => void): void {
  const { placement, node, ctx } = p;
  const owners = placement.owners(chunkId);
  const required = ctx.broken.has("ack-before-quorum") ? 1 : placement.required("quorum");
  if (owners.length < required) {
    return void p.timer(0, () => done(false, `needs ${required} copies but only ${owners.length} node(s) are up`));
  }
  const copies: string[] = [];
  const failed: string[] = [];
  const pending = new Set(owners);
  let settled = false;
  let grace: Timer | undefined;
  const finish = () => {
    if (settled) return;
    settled = true;
    grace?.cancel();
    if (copies.length < required) return done(false, `chunk ${chunkId.slice(0, 8)}: ${copies.length}/${required} copies`);
    const queued = [...failed, ...pending];
    node.queue.enqueue(
      queued.map((target) => ({ chunkId, target })),
      p.now + (pending.size > 0 ? ctx.settings.retryBaseMs : 0),
    );
    done(true, "");
  };
  const maybeFinish = () => {
    if (pending.size === 0) return finish();
    if (copies.length >= required && !grace && !settled) grace = p.timer(ctx.settings.stragglerGraceMs, finish);
  };
  const succeeded = (target: string) => {
    pending.delete(target);
    copies.push(target);
    if (settled) node.queue.remove(chunkId, target); // a straggler: its row is no longer needed
    maybeFinish();
  };
  const failedTo = (target: string) => {
    pending.delete(target);
    failed.push(target);
    maybeFinish();
  };
  for (const target of owners) {
    if (target === p.id) {
      p.timer(ctx.settings.localWriteMs, () => {
        if (!node.chunks.has(chunkId)) p.log(`stored ${chunkId.slice(0, 8)} (local)`);
        node.chunks.add(chunkId);
        succeeded(target);
      });
    } else if (!placement.member(target)) {
      p.timer(0, () => failedTo(target));
    } else {
      p.rpc.call(target, "put", { chunk: chunkId }, ctx.settings.transferTimeoutMs, (r) =>
        r.ok ? succeeded(target) : failedTo(target),
      );
    }
  }
}

/** file-system.ts commit(): commit locally, push, and count the node itself plus the peers' acks. */
function commit(p: NodeProcess, changes: ManifestChange[], done: (r: OpResult, committed: Manifest[]) => void): void {
  const committed = p.node.manifests.commitLocalBatch(changes);
  const last = committed[committed.length - 1]!;
  p.log(`commit ${last.path} ${last.deleted ? "tombstone" : last.kind} ${last.version}`);
  const required = p.placement.required("quorum");
  p.replication.publish(committed, required - 1, (acks) => {
    const copies = acks.length + 1;
    if (copies < required && !p.ctx.broken.has("ack-before-quorum")) {
      return done({ ok: false, error: `manifest reached ${copies} of ${required} nodes`, committed: last.version }, committed);
    }
    done({ ok: true, version: last.version, quorum: required }, committed);
  });
}

export function putFile(p: NodeProcess, path: string, content: FileContent, onDone: (r: OpResult) => void): void {
  const done = track(p, onDone);
  const existing = lookup(p, path);
  if (existing?.kind === "dir") return done({ ok: false, error: "is_a_directory" });
  // checkWritable: refuse before reading a byte when too few members are up.
  const required = p.placement.required("quorum");
  if (p.placement.ring.size < required) return done({ ok: false, error: `needs ${required} live nodes, ${p.placement.ring.size} up` });
  const mtime = wallNow(p);
  const ancestors = ancestorsToCreate(p, path, mtime);
  if (typeof ancestors === "string") return done({ ok: false, error: ancestors });
  let next = 0;
  let inFlight = 0;
  let placed = 0;
  let failed = false;
  const placeMore = (): void => {
    while (!failed && inFlight < MAX_IN_FLIGHT && next < content.chunks.length) {
      const chunkId = content.chunks[next++]!;
      inFlight++;
      writeChunk(p, chunkId, (ok, why) => {
        inFlight--;
        if (failed) return;
        if (!ok) {
          failed = true; // no manifest is written: the file does not exist
          return done({ ok: false, error: `upload failed: ${why}` });
        }
        placed++;
        if (placed === content.chunks.length) return commitFile();
        placeMore();
      });
    }
  };
  const commitFile = () => {
    const change: ManifestChange = { path, kind: "file", deleted: false, mtime, ...content };
    commit(p, [...ancestors, change], (r) => done(r));
  };
  if (content.chunks.length === 0) commitFile();
  else placeMore();
}

export function deleteFile(p: NodeProcess, path: string, onDone: (r: OpResult) => void): void {
  const done = track(p, onDone);
  const m = lookup(p, path);
  if (!m) return done({ ok: false, error: "not_found" });
  const tombstone: ManifestChange = {
    path,
    kind: m.kind,
    deleted: true,
    size: 0,
    sha256: null,
    chunkSize: 0,
    chunks: [],
    mtime: wallNow(p),
  };
  commit(p, [tombstone], (r) => done(r));
}
