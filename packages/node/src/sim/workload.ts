// The clients: writes, overwrites, deletes, folder deletes, reads and conditional writes (If-None-Match: *,
// If-Match) of a small set of paths, spread over the chaos phase, each through the real FileSystem of a
// random live node. Every outcome is recorded; the checker holds the cluster to the acknowledged ones.
import { createHash } from "node:crypto";
import { httpPrecondition } from "../consensus/http-preconditions.ts";
import { FileSystem } from "../filesystem/file-system.ts";
import { openFileRead } from "../filesystem/read-stream.ts";
import { compareVersions } from "../metadata/hlc.ts";
import { SIM_CHUNK_SIZE } from "./context.ts";
import type { Cluster } from "./cluster.ts";
import { chance, choose, int, type Rng } from "./rng.ts";
import { simLogger } from "./sim-log.ts";
import { Abandoned, type NodeProcess } from "./virtual-node.ts";

export type OpKind = "write" | "delete" | "rmdir" | "move" | "read" | "cas";

export interface FileOp {
  id: number;
  kind: OpKind;
  path: string;
  node: string;
  startedAt: number;
  endedAt?: number;
  outcome: "pending" | "acked" | "failed" | "unknown";
  /** The version written (acked writes and deletes), or the version a read saw (null: no row). */
  version?: string | null;
  /** A read: what it saw ("absent", "deleted", or the content's SHA-256); a write: the content's SHA-256. */
  saw?: string;
  sha?: string;
  /** A conditional write: "absent" (If-None-Match: *) or the SHA-256 it required (If-Match). */
  precondition?: string;
  error?: string;
  /** Copies of the manifest when a write was acknowledged. */
  manifestCopies?: number;
  /** A read: its stream was opened (over HTTP, the 200 and the headers were about to be sent). */
  streamOpened?: boolean;
}

export class History {
  readonly ops: FileOp[] = [];
  private readonly byPath = new Map<string, FileOp[]>();
  inFlight = 0;

  add(op: FileOp): void {
    this.ops.push(op);
    const list = this.byPath.get(op.path) ?? [];
    list.push(op);
    this.byPath.set(op.path, list);
    this.inFlight++;
  }

  settle(op: FileOp, now: number, r: { ok: true; version?: string | null } | { ok: false; error: string; unknown: boolean }): void {
    this.inFlight--;
    op.endedAt = now;
    if (r.ok) {
      op.outcome = "acked";
      op.version = r.version;
    } else {
      op.outcome = r.unknown ? "unknown" : "failed";
      op.error = r.error;
    }
  }

  paths(): string[] {
    return [...this.byPath.keys()].sort();
  }

  on(path: string): readonly FileOp[] {
    return this.byPath.get(path) ?? [];
  }

  /** The acknowledged write or delete of `path` with the highest version: what every node must reflect (or beat). */
  latestAcked(path: string, before = Number.POSITIVE_INFINITY): FileOp | undefined {
    let best: FileOp | undefined;
    for (const op of this.on(path)) {
      if (op.outcome !== "acked" || (op.kind !== "write" && op.kind !== "delete" && op.kind !== "cas")) continue;
      if (op.endedAt! >= before) continue;
      if (!best || compareVersions(op.version!, best.version!) > 0) best = op;
    }
    return best;
  }

  byVersion(path: string, version: string): FileOp | undefined {
    return this.on(path).find((op) => op.version === version);
  }
}

export interface WorkloadParams {
  opsPerSecond: number;
  /** Paths are d0..d{dirs-1}/f0..f{filesPerDir-1}, some one level deeper (d0/s0/f0); a few writes go to files named as the subfolders (d0/s0). */
  dirs: number;
  filesPerDir: number;
  maxChunks: number;
  deleteShare: number;
  rmdirShare: number;
  readShare: number;
  casShare: number;
  /** Keys the conditional writes race on: k/0 .. k/{casKeys-1}. */
  casKeys: number;
}

export const defaultWorkload: WorkloadParams = {
  opsPerSecond: 2,
  dirs: 3,
  filesPerDir: 8,
  maxChunks: 4,
  deleteShare: 0.15,
  rmdirShare: 0.02,
  readShare: 0.25,
  casShare: 0.15,
  casKeys: 3,
};

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function bodyOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}

/** What a client learns from a read through `p`: the row's version after a quorum refresh, and the content. */
export async function readThrough(p: NodeProcess, path: string, onOpen?: () => void): Promise<{ version: string | null; saw: string }> {
  const { fs, reader } = p.core;
  await fs.refresh(FileSystem.withAncestors(path));
  const row = p.node.manifests.get(path, "file");
  const live = fs.lookupFile(path);
  if (!live) return { version: row?.version ?? null, saw: row ? "deleted" : "absent" };
  const stream = await openFileRead(live, 0, live.size - 1, reader, simLogger(p.ctx, p.id, "read"));
  onOpen?.();
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  const got = sha256(bytes);
  if (got !== live.sha256) throw new Error(`read of /${path} returned content ${got.slice(0, 12)}, the manifest says ${live.sha256?.slice(0, 12)}`);
  return { version: live.version, saw: got };
}

export class Workload {
  private nextId = 0;
  /** Chunk-sized blocks written so far: a few writes reuse one (the same content in two files). */
  private readonly blocks: Uint8Array[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly history: History,
    private readonly rng: Rng,
    private readonly params: WorkloadParams,
  ) {}

  /** Schedules client operations at exponential intervals over [start, end). */
  schedule(start: number, end: number): void {
    const { events } = this.cluster;
    let t = start;
    for (;;) {
      t += (-Math.log(1 - this.rng()) / this.params.opsPerSecond) * 1000;
      if (t >= end) break;
      events.at(t, () => this.issue());
    }
  }

  /** Fresh content of 1..maxChunks chunks; 5 % of the blocks repeat an earlier one. */
  content(): Uint8Array {
    const n = int(this.rng, 1, this.params.maxChunks);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const reuse = this.blocks.length > 0 && i < n - 1 && chance(this.rng, 0.05) ? choose(this.rng, this.blocks) : undefined;
      if (reuse) {
        parts.push(reuse);
        continue;
      }
      const size = i < n - 1 ? SIM_CHUNK_SIZE : int(this.rng, 1, SIM_CHUNK_SIZE);
      const block = new Uint8Array(size);
      for (let j = 0; j < size; j++) block[j] = Math.floor(this.rng() * 256);
      if (size === SIM_CHUNK_SIZE) this.blocks.push(block);
      parts.push(block);
    }
    const out = new Uint8Array(parts.reduce((s, b) => s + b.byteLength, 0));
    let at = 0;
    for (const b of parts) {
      out.set(b, at);
      at += b.byteLength;
    }
    return out;
  }

  private filePath(): string {
    const { rng, params } = this;
    const dir = `d${int(rng, 0, params.dirs - 1)}`;
    const sub = chance(rng, 0.3) ? `/s${int(rng, 0, 1)}` : "";
    return `${dir}${sub}/f${int(rng, 0, params.filesPerDir - 1)}`;
  }

  private issue(): FileOp | undefined {
    const { rng, params } = this;
    const nodeId = choose(rng, this.cluster.liveIds());
    const p = nodeId === undefined ? undefined : this.cluster.running(nodeId);
    if (!p) return undefined;
    const roll = rng();
    let at = 0;
    const pick = (share: number) => roll >= at && roll < (at += share);
    if (pick(params.casShare)) return this.cas(p, `k/${int(rng, 0, params.casKeys - 1)}`);
    if (pick(params.readShare)) return this.read(p, this.filePath());
    if (pick(params.rmdirShare)) {
      const dir = `d${int(rng, 0, params.dirs - 1)}`;
      return this.remove(p, chance(rng, 0.5) ? dir : `${dir}/s${int(rng, 0, 1)}`, true);
    }
    if (pick(params.deleteShare)) return this.remove(p, this.filePath(), false);
    // Now and then a file named as a subfolder is (d0/s1 beside d0/s1/f2): a file and a directory at one path,
    // two registers, neither of which may undo the other's writes or deletes (rmdir of d0/s1 keeps the file).
    if (chance(rng, 0.08)) return this.write(p, `d${int(rng, 0, params.dirs - 1)}/s${int(rng, 0, 1)}`);
    return this.write(p, this.filePath());
  }

  remove(p: NodeProcess, path: string, recursive: boolean): FileOp {
    const kind = recursive ? "dir" : "file";
    return this.run(p, recursive ? "rmdir" : "delete", path, async () => ({ version: (await p.core.fs.remove(path, recursive, "quorum", undefined, kind)).version }));
  }

  /** A folder's move (FileSystem.move): recorded on its old path; what was below must be gone from there. */
  move(p: NodeProcess, from: string, to: string): FileOp {
    return this.run(p, "move", from, async () => ({ version: (await p.core.fs.move(from, to, false, "dir")).version }));
  }

  write(p: NodeProcess, path: string, bytes = this.content()): FileOp {
    return this.run(p, "write", path, async () => {
      const r = await p.core.fs.put(path, bodyOf(bytes), "quorum");
      return { version: r.version, manifestCopies: r.manifestCopies };
    }, { sha: sha256(bytes) });
  }

  read(p: NodeProcess, path: string): FileOp {
    const op: FileOp = this.run(p, "read", path, async () => readThrough(p, path, () => (op.streamOpened = true)));
    return op;
  }

  /** `chunks` full chunks of fresh content (a file whose every chunk is its own). */
  fresh(chunks: number): Uint8Array {
    const bytes = new Uint8Array(chunks * SIM_CHUNK_SIZE);
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(this.rng() * 256);
    return bytes;
  }

  /** A client that reads the key, then writes new content only if the key still holds what it read. */
  cas(p: NodeProcess, path: string): FileOp {
    const bytes = this.content();
    const op = this.run(p, "cas", path, async () => {
      const before = await readThrough(p, path);
      const match = before.saw === "absent" || before.saw === "deleted" ? undefined : before.saw;
      op.precondition = match ?? "absent";
      const precondition = httpPrecondition(match ? `"${match}"` : undefined, match ? undefined : "*", (m) => m.sha256 ?? "");
      const r = await p.core.fs.put(path, bodyOf(bytes), "quorum", { precondition });
      return { version: r.version };
    }, { sha: sha256(bytes) });
    return op;
  }

  /** Starts one client operation through `p` and records how it ends. */
  run(
    p: NodeProcess,
    kind: OpKind,
    path: string,
    body: () => Promise<{ version?: string | null; saw?: string; manifestCopies?: number }>,
    extra: Partial<FileOp> = {},
  ): FileOp {
    const { cluster, history } = this;
    const op: FileOp = { id: this.nextId++, kind, path, node: p.id, startedAt: cluster.events.now, outcome: "pending", ...extra };
    history.add(op);
    p.log(`client #${op.id} ${kind} ${path}${op.sha ? ` ${op.sha.slice(0, 8)}` : ""}`);
    p.client(body).then(
      (r) => {
        history.settle(op, cluster.events.now, { ok: true, version: r.version });
        if (r.saw !== undefined) op.saw = r.saw;
        if (r.manifestCopies !== undefined) op.manifestCopies = r.manifestCopies;
        p.log(`client #${op.id} ${kind} ${path}: ACK ${r.version ?? "-"}${r.saw ? ` saw ${r.saw.slice(0, 8)}` : ""}`);
      },
      (err) => {
        const unknown = err instanceof Abandoned;
        const error = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
        history.settle(op, cluster.events.now, { ok: false, error, unknown });
        cluster.trace.log(cluster.events.now, p.id, `client #${op.id} ${kind} ${path}: ${unknown ? "UNKNOWN" : "FAILED"} ${error}`);
      },
    );
    return op;
  }
}
