// One repetition of one workload on one system, the same steps for every system: untimed preparation (delete
// the previous repetition's large file, make the directory, `sync`, drop the page cache before reads), the timed
// client run, untimed checks (3 copies on disk) and settling (Orrery's queued third copies). Every repetition
// writes bytes of its own (the nonce), so nothing is deduplicated against an earlier one.
import { dropPageCache } from "../page-cache.ts";
import { type ClientJob, type Target } from "./client.ts";
import { type GroupResult, runClients } from "./clients.ts";
import type { OwnProcesses } from "./own-processes.ts";
import type { Measurement } from "./report.ts";
import { S3Workloads, SkipWorkload } from "./s3.ts";
import { OrrerySystem } from "./systems/orrery.ts";
import type { SystemId, SystemUnderTest } from "./systems/system.ts";
import type { WorkloadId } from "./workload-ids.ts";

export const FILE_SIZE = 4096;

export interface WorkloadContext {
  own: OwnProcesses;
  /** Large file size, bytes. */
  size: number;
  smallCount: number;
  clients: number;
  /** Where the large payload marks its chunks (Orrery's chunk size), so no two chunks are alike. */
  chunkSize: number;
  nonce: string;
  dropCaches: boolean;
  root: string;
  log: (line: string) => void;
  problems: string[];
}

interface SystemState {
  large?: { name: string; sha256: string };
  largeQuorum?: string;
  small?: { dir: string; nonce: string };
}

/** The N-client split of files 0..count-1: client k takes k, k + N, k + 2N, … */
export function splitFiles(count: number, clients: number): { first: number; step: number; count: number }[] {
  const n = Math.min(clients, count);
  return Array.from({ length: n }, (_, k) => ({ first: k, step: n, count: Math.ceil((count - k) / n) }));
}

export class WorkloadRunner {
  private readonly state = new Map<SystemId, SystemState>();
  private s3: S3Workloads | undefined;

  constructor(private readonly ctx: WorkloadContext) {}

  private stateOf(id: SystemId): SystemState {
    let s = this.state.get(id);
    if (!s) this.state.set(id, (s = {}));
    return s;
  }

  /** Runs one repetition; `rep` names it in file names ("setup" and "strace" runs are not in the medians). */
  async run(id: WorkloadId, sys: SystemUnderTest, rep: number | "setup" | "strace"): Promise<Measurement> {
    const r = typeof rep === "number" ? rep : rep === "setup" ? 0 : 99;
    const tag = `${this.ctx.nonce}-${sys.id}-${rep}`;
    try {
      switch (id) {
        case "write":
        case "write-quorum":
          return await this.writeLarge(sys, id === "write" ? "large-all" : "large-quorum", tag, r);
        case "read":
          return await this.readLarge(sys, r);
        case "create":
          return await this.createSmall(sys, 1, `c1-${tag}`, tag, r);
        case "create16":
          return await this.createSmall(sys, this.ctx.clients, `cn-${tag}`, tag, r);
        case "read16":
          return await this.readSmall(sys, r);
        case "s3-rclone":
        case "s3-aws":
        case "s3-sync":
          return await this.s3Run(id, sys, tag, r);
      }
    } catch (err) {
      if (err instanceof SkipWorkload) throw err;
      const message = (err as Error).message;
      this.ctx.problems.push(`${id} on ${sys.id} (${rep}): ${message.split("\n")[0]}`);
      this.ctx.log(`  ${id} on ${sys.id} failed: ${message}`);
      return { rep: r, value: null, ms: null, ok: 0, errors: 1, errorSamples: [message.slice(0, 300)] };
    }
  }

  private async writeLarge(sys: SystemUnderTest, kind: "large-all" | "large-quorum", tag: string, rep: number): Promise<Measurement> {
    const st = this.stateOf(sys.id);
    const previous = kind === "large-all" ? st.large?.name : st.largeQuorum;
    if (previous) await sys.remove(previous);
    const name = `${kind === "large-all" ? "large" : "largeq"}-${tag}.bin`;
    quiesce();
    const g = await this.clients([{ op: "write-large", target: sys.target(kind), name, size: this.ctx.size, chunkSize: this.ctx.chunkSize, nonce: tag }], this.largeTimeout());
    const copiesProblem = g.ok ? await sys.verifyLarge(name, this.ctx.size) : null;
    if (copiesProblem) this.ctx.problems.push(`${sys.id}: ${name} is not on 3 servers after the write: ${copiesProblem}`);
    await sys.settle();
    if (g.ok && g.sha256) {
      if (kind === "large-all") st.large = { name, sha256: g.sha256 };
      else st.largeQuorum = name;
    }
    return this.measurement(rep, g, g.mbps, copiesProblem);
  }

  private async readLarge(sys: SystemUnderTest, rep: number): Promise<Measurement> {
    const large = this.stateOf(sys.id).large;
    if (!large) throw new Error("no large file was written on this system");
    if (this.ctx.dropCaches) await sys.emptyClientCaches();
    this.dropCaches();
    const g = await this.clients([{ op: "read-large", target: sys.target("large-all"), name: large.name, size: this.ctx.size, sha256: large.sha256 }], this.largeTimeout());
    return this.measurement(rep, g, g.mbps);
  }

  private async createSmall(sys: SystemUnderTest, clients: number, dir: string, nonce: string, rep: number): Promise<Measurement> {
    await sys.mkdir(dir);
    quiesce();
    const target = sys.target("small");
    const jobs: ClientJob[] = splitFiles(this.ctx.smallCount, clients).map((files) => ({ op: "create-small", target, dir, files, fileSize: FILE_SIZE, nonce }));
    const g = await this.clients(jobs, this.smallTimeout());
    await sys.settle();
    if (clients > 1 && g.ok === this.ctx.smallCount) this.stateOf(sys.id).small = { dir, nonce };
    return this.measurement(rep, g, g.opsPerSec);
  }

  private async readSmall(sys: SystemUnderTest, rep: number): Promise<Measurement> {
    const small = this.stateOf(sys.id).small;
    if (!small) throw new Error("no small files were created on this system");
    if (this.ctx.dropCaches) await sys.emptyClientCaches();
    this.dropCaches();
    const target: Target = sys.target("small");
    const jobs: ClientJob[] = splitFiles(this.ctx.smallCount, this.ctx.clients).map((files) => ({ op: "read-small", target, dir: small.dir, files, fileSize: FILE_SIZE, nonce: small.nonce }));
    const g = await this.clients(jobs, this.smallTimeout());
    return this.measurement(rep, g, g.opsPerSec);
  }

  private async s3Run(id: "s3-rclone" | "s3-aws" | "s3-sync", sys: SystemUnderTest, tag: string, rep: number): Promise<Measurement> {
    if (!(sys instanceof OrrerySystem)) throw new SkipWorkload(`${sys.id} has no S3 API`);
    this.s3 ??= new S3Workloads(this.ctx, sys);
    if (id === "s3-sync") return this.s3.sync(tag, rep);
    return this.s3.upload(id === "s3-rclone" ? "rclone" : "aws", tag, rep);
  }

  private clients(jobs: ClientJob[], timeoutMs: number): Promise<GroupResult> {
    return runClients(jobs, this.ctx.own, timeoutMs);
  }

  private dropCaches(): void {
    if (!this.ctx.dropCaches) return;
    const r = dropPageCache();
    if (!r.ok) throw new Error(`cannot drop the page cache: ${r.reason} (run as root, or pass --no-drop-caches)`);
  }

  private largeTimeout(): number {
    return Math.max(600_000, (this.ctx.size / 2e6) * 1000);
  }

  private smallTimeout(): number {
    return Math.max(300_000, this.ctx.smallCount * 200);
  }

  private measurement(rep: number, g: GroupResult, value: number | null, copiesProblem?: string | null): Measurement {
    // A large write that did not leave 3 copies is not a figure of a 3-copy write.
    const failed = g.errors > 0 || g.ok === 0 || Boolean(copiesProblem);
    if (g.errors) this.ctx.problems.push(`${g.errors} client error(s): ${g.errorSamples.join(" | ")}`);
    return {
      rep,
      value: failed ? null : value,
      ms: g.ms,
      ok: g.ok,
      errors: g.errors,
      errorSamples: g.errorSamples,
      ...(copiesProblem !== undefined ? { copiesProblem } : {}),
      ...(g.latency.count > 1 ? { latencyP50Ms: g.latency.p50Ms, latencyP99Ms: g.latency.p99Ms } : {}),
    };
  }
}

/** Writes dirty pages out before a timed run, so one system's leftovers are not flushed during the next's. */
export function quiesce(): void {
  Bun.spawnSync(["sync"], { stdout: "ignore", stderr: "ignore" });
}
