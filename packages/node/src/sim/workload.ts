// The clients: writes, overwrites and deletes of a small set of paths, spread over the chaos phase, each
// sent to a random live node. Every outcome is recorded; acknowledged ones are what the checker holds
// the cluster to.
import { compareVersions } from "../metadata/hlc.ts";
import { deleteFile, type FileContent, type OpResult, putFile } from "./coordinator.ts";
import type { Cluster } from "./cluster.ts";
import { chance, choose, hex64, int, type Rng } from "./rng.ts";

export interface FileOp {
  id: number;
  kind: "write" | "delete";
  path: string;
  node: string;
  startedAt: number;
  chunks: string[];
  outcome: "pending" | "acked" | "failed" | "unknown";
  version?: string;
  error?: string;
  /** Copies the coordinator required when it acknowledged. */
  quorum?: number;
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

  settle(op: FileOp, r: OpResult): void {
    this.inFlight--;
    if (r.ok) {
      op.outcome = "acked";
      op.version = r.version;
      op.quorum = r.quorum;
    } else {
      op.outcome = r.unknown ? "unknown" : "failed";
      op.error = r.error;
      op.version = r.committed;
    }
  }

  paths(): string[] {
    return [...this.byPath.keys()].sort();
  }

  /** The acknowledged operation on `path` with the highest version: what every node must reflect (or beat). */
  latestAcked(path: string): FileOp | undefined {
    let best: FileOp | undefined;
    for (const op of this.byPath.get(path) ?? []) {
      if (op.outcome !== "acked") continue;
      if (!best || compareVersions(op.version!, best.version!) > 0) best = op;
    }
    return best;
  }

  /** Every operation that committed this version (acked or not). */
  byVersion(path: string, version: string): FileOp | undefined {
    return this.byPath.get(path)?.find((op) => op.version === version);
  }

  count(kind: FileOp["kind"], outcome: FileOp["outcome"]): number {
    return this.ops.filter((op) => op.kind === kind && op.outcome === outcome).length;
  }
}

export interface WorkloadParams {
  opsPerSecond: number;
  /** Paths are d0..d{dirs-1}/f0..f{filesPerDir-1}. */
  dirs: number;
  filesPerDir: number;
  maxChunks: number;
  deleteShare: number;
}

const CHUNK_SIZE = 4 * 1024 * 1024;

export class Workload {
  private nextId = 0;
  /** Chunks written so far: a few writes reuse one (the same content in two files). */
  private readonly seen: string[] = [];

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

  private content(): FileContent {
    const n = int(this.rng, 1, this.params.maxChunks);
    const chunks: string[] = [];
    for (let i = 0; i < n; i++) {
      const reuse = this.seen.length > 0 && chance(this.rng, 0.05) ? choose(this.rng, this.seen) : undefined;
      const id = reuse ?? hex64(this.rng);
      if (!reuse) this.seen.push(id);
      chunks.push(id);
    }
    const size = (n - 1) * CHUNK_SIZE + int(this.rng, 1, CHUNK_SIZE);
    return { chunks, size, sha256: hex64(this.rng), chunkSize: CHUNK_SIZE };
  }

  private issue(): void {
    const { cluster, history, rng, params } = this;
    const path = `d${int(rng, 0, params.dirs - 1)}/f${int(rng, 0, params.filesPerDir - 1)}`;
    const isDelete = chance(rng, params.deleteShare);
    const content = isDelete ? undefined : this.content();
    const nodeId = choose(rng, cluster.liveIds());
    const p = nodeId === undefined ? undefined : cluster.running(nodeId);
    if (!p) return;
    const op: FileOp = {
      id: this.nextId++,
      kind: isDelete ? "delete" : "write",
      path,
      node: p.id,
      startedAt: cluster.events.now,
      chunks: content?.chunks ?? [],
      outcome: "pending",
    };
    history.add(op);
    p.log(`client #${op.id} ${op.kind} ${path}${content ? ` [${content.chunks.map((c) => c.slice(0, 8)).join(",")}]` : ""}`);
    const done = (r: OpResult) => {
      history.settle(op, r);
      cluster.trace.log(cluster.events.now, p.id, `client #${op.id} ${op.kind} ${path}: ${r.ok ? `ACK ${r.version} quorum ${r.quorum}` : `${r.unknown ? "UNKNOWN" : "FAILED"} ${r.error}`}`);
    };
    if (content) putFile(p, path, content, done);
    else deleteFile(p, path, done);
  }
}
