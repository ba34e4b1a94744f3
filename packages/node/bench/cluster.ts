// A local Orrery cluster for the benchmark: real `bun src/main.ts node` processes on 127.0.0.1 with free
// ports and data dirs under the run's tmp dir; started in order (or added later, seeded with the running
// ones), SIGKILLed on purpose by PID for the failure benchmark, stopped by PID (SIGTERM, then SIGKILL).
import type { Health as NodeHealth, Member as ClusterMember, NodeStatus } from "@orrery/api";
import { randomBytes } from "node:crypto";
import type { Subprocess } from "bun";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { freePort, waitForStatus } from "../test/harness/ports.ts";

const PKG = join(import.meta.dir, "..");
const CHUNK_FILE = /^[0-9a-f]{64}$/;
const FANOUT = /^[0-9a-f]{2}$/;

export interface ClusterInit {
  root: string;
  size: number;
  env: Record<string, string>;
  /** When set, every node runs under `bun --cpu-prof --cpu-prof-md` with profiles written here. */
  cpuProfDir?: string;
  /** Node ids are `<prefix>1`, `<prefix>2`, …; default "n". */
  idPrefix?: string;
  /** What runs each node instead of `bun src/main.ts` (followed by `node`): another build, or another checkout's source. */
  command?: string[];
  log: (line: string) => void;
}

/** The node's answers, as the API contract describes them: a member of GET /api/cluster, GET /api/health, GET /status. */
export type { Health as NodeHealth, Member as ClusterMember, NodeStatus } from "@orrery/api";

/** A JSON log line of a node, as written on its stderr. */
export interface LogEntry {
  t?: string;
  level?: string;
  component?: string;
  msg?: string;
  [key: string]: unknown;
}

export interface LogSummary {
  lines: number;
  warnings: number;
  errors: number;
  /** Lines that are not the node's JSON log (stack traces, runtime messages), apart from the start banner. */
  other: number;
  /** A few distinct warning/error/other messages. */
  samples: string[];
}

export interface StopResult {
  ms: number;
  exitCode: number | null;
  /** The node did not exit within the grace period after SIGTERM and was SIGKILLed. */
  killedAfterGrace: boolean;
}

export class BenchNode {
  proc: Subprocess | undefined;
  /** Set when the process ended before stop() asked it to. */
  unexpectedExit: string | undefined;
  /** SIGKILLed on purpose by kill(): not a failure, and no longer part of the live cluster. */
  killed = false;
  private stopping = false;

  constructor(
    readonly id: string,
    readonly dataDir: string,
    readonly logFile: string,
    readonly httpPort: number,
    readonly gossipPort: number,
    readonly transferPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get gossipAddr(): string {
    return `127.0.0.1:${this.gossipPort}`;
  }

  get pid(): number {
    if (!this.proc) throw new Error(`${this.id} is not started`);
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /**
   * Starts the node: `bun src/main.ts node`, or `command` (e.g. the compiled executable, `[dist/orrery]`)
   * followed by `node`.
   */
  start(seeds: string[], env: Record<string, string>, cpuProfDir?: string, command?: string[]): void {
    const log = openSync(this.logFile, "a");
    const prof = cpuProfDir ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${this.id}`] : [];
    this.proc = Bun.spawn([...(command ?? [process.execPath, ...prof, "src/main.ts"]), "node"], {
      cwd: PKG,
      env: {
        ...process.env,
        ...env,
        NODE_ID: this.id,
        DATA_DIR: this.dataDir,
        BIND_ADDRESS: "127.0.0.1",
        HTTP_PORT: String(this.httpPort),
        GOSSIP_PORT: String(this.gossipPort),
        TRANSFER_PORT: String(this.transferPort),
        SEEDS: seeds.join(","),
      },
      stdin: "ignore",
      stdout: log,
      stderr: log,
    });
    closeSync(log);
    this.proc.exited.then((code) => {
      if (!this.stopping) this.unexpectedExit = `exited with code ${code} (signal ${this.proc?.signalCode ?? "none"})`;
    });
  }

  waitReady(timeoutMs = 30_000): Promise<void> {
    return waitForStatus(
      this.url,
      () => this.assertAlive(),
      timeoutMs,
      () => new Error(`${this.id} not ready after ${timeoutMs} ms:\n${this.logTail()}`),
    );
  }

  assertAlive(): void {
    if (this.unexpectedExit || (this.proc && !this.running && !this.stopping)) {
      throw new Error(`node ${this.id} died: ${this.unexpectedExit ?? "exited"}\n${this.logTail()}`);
    }
  }

  async status(): Promise<NodeStatus> {
    this.assertAlive();
    const res = await fetch(`${this.url}/status`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`${this.id} GET /status: ${res.status}`);
    return (await res.json()) as NodeStatus;
  }

  async aliveMembers(): Promise<number> {
    return (await this.members()).filter((m) => m.state === "alive").length;
  }

  /** Members and their states as this node sees them (GET /api/cluster). */
  async members(timeoutMs = 5_000): Promise<ClusterMember[]> {
    const res = await fetch(`${this.url}/api/cluster`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`${this.id} GET /api/cluster: ${res.status}`);
    const body = (await res.json()) as { members: ClusterMember[] };
    return body.members;
  }

  async health(): Promise<NodeHealth> {
    this.assertAlive();
    const res = await fetch(`${this.url}/api/health`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`${this.id} GET /api/health: ${res.status}`);
    return (await res.json()) as NodeHealth;
  }

  /** Size of every chunk file (id → bytes) under DATA_DIR/chunks/. */
  chunkFileSizes(): Map<string, number> {
    const out = new Map<string, number>();
    for (const id of this.chunkFiles()) {
      try {
        out.set(id, statSync(join(this.dataDir, "chunks", id.slice(0, 2), id.slice(2, 4), id)).size);
      } catch {
        // deleted between the listing and the stat
      }
    }
    return out;
  }

  /** Current length of the log file: a mark for logSince(). */
  logOffset(): number {
    try {
      return statSync(this.logFile).size;
    } catch {
      return 0;
    }
  }

  /** The JSON log lines written after `offset` (other lines are skipped). */
  logSince(offset: number): LogEntry[] {
    let text: string;
    try {
      const fd = openSync(this.logFile, "r");
      try {
        const size = statSync(this.logFile).size;
        const buf = Buffer.alloc(Math.max(0, size - offset));
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        text = buf.subarray(0, got).toString("utf8");
      } finally {
        closeSync(fd);
      }
    } catch {
      return [];
    }
    const out: LogEntry[] = [];
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        const e = JSON.parse(line);
        if (e && typeof e === "object") out.push(e as LogEntry);
      } catch {
        // a partial last line
      }
    }
    return out;
  }

  /** Chunk ids present as files under DATA_DIR/chunks/ab/cd/ (the files, not the node's index). */
  chunkFiles(): Set<string> {
    const out = new Set<string>();
    const root = join(this.dataDir, "chunks");
    const list = (dir: string) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    };
    for (const a of list(root)) {
      if (!FANOUT.test(a)) continue;
      for (const b of list(join(root, a))) {
        if (!FANOUT.test(b)) continue;
        for (const name of list(join(root, a, b))) if (CHUNK_FILE.test(name)) out.add(name);
      }
    }
    return out;
  }

  /**
   * SIGTERM (a clean stop, which also writes a CPU profile), SIGKILL after `graceMs`. Only this node's PID.
   * How long the clean stop took, and whether it needed the SIGKILL, are kept for the report.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.proc || !this.running) return;
    this.stopping = true;
    const t0 = performance.now();
    let killed = false;
    this.proc.kill("SIGTERM");
    const t = setTimeout(() => {
      killed = true;
      this.proc?.kill("SIGKILL");
    }, graceMs);
    const code = await this.proc.exited;
    clearTimeout(t);
    this.stopResult = { ms: performance.now() - t0, exitCode: code, killedAfterGrace: killed };
  }

  stopResult: StopResult | undefined;

  /**
   * A crash on purpose: SIGKILL to this node's PID, no clean-up. Returns `performance.now()` at the moment the
   * signal was sent; the node counts as killed (not as an unexpected death) from then on.
   */
  kill(): number {
    if (!this.proc || !this.running) throw new Error(`${this.id} is not running`);
    this.stopping = true;
    this.killed = true;
    const at = performance.now();
    this.proc.kill("SIGKILL");
    return at;
  }

  /** Resolves when the process has exited. */
  async exited(): Promise<void> {
    await this.proc?.exited;
  }

  /** Synchronous last resort (process exit handler): SIGKILL this node's PID. */
  killNow(): void {
    if (!this.proc || !this.running) return;
    this.stopping = true;
    this.proc.kill("SIGKILL");
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  logSummary(): LogSummary {
    const summary: LogSummary = { lines: 0, warnings: 0, errors: 0, other: 0, samples: [] };
    if (!existsSync(this.logFile)) return summary;
    const seen = new Set<string>();
    const note = (s: string) => {
      const key = s.slice(0, 160);
      if (seen.has(key) || summary.samples.length >= 8) return;
      seen.add(key);
      summary.samples.push(s.slice(0, 400));
    };
    for (const line of readFileSync(this.logFile, "utf8").split("\n")) {
      if (!line.trim()) continue;
      summary.lines++;
      let entry: { level?: string; component?: string; msg?: string } | undefined;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = undefined;
      }
      if (entry && typeof entry === "object" && entry.level) {
        if (entry.level === "warn") summary.warnings++;
        else if (entry.level === "error") summary.errors++;
        else continue;
        note(line);
      } else if (/^Orrery node .* is up|^received SIG(TERM|INT), stopping/.test(line)) {
        continue;
      } else {
        summary.other++;
        note(line);
      }
    }
    return summary;
  }
}

export class BenchCluster {
  readonly nodes: BenchNode[] = [];
  /** One key for the bench's nodes, as an operator would hand it out. */
  private clusterKey: string | undefined;

  constructor(private readonly init: ClusterInit) {}

  /** Starts the nodes one by one (each seeded with the ones before it) and waits for full membership. */
  async start(): Promise<void> {
    const { size, log } = this.init;
    for (let i = 1; i <= size; i++) {
      const node = await this.addNode(this.nodes.map((n) => n.gossipAddr));
      log(`${node.id} up: pid ${node.pid}, http ${node.httpPort}, gossip ${node.gossipPort}, transfer ${node.transferPort}`);
    }
    await this.waitForMembers(size);
    await this.waitForQuorumReads();
  }

  /**
   * Until a quorum read answers on every live node. Right after the cluster forms, the rings it went through
   * (one node, two, ...) still count for manifest quorums for the settle window (node-core ringSettleMs), and
   * a figure taken meanwhile measures the ring change, not the steady cluster.
   */
  async waitForQuorumReads(timeoutMs = 120_000): Promise<void> {
    const probe = `bench-probe-${randomBytes(6).toString("hex")}`;
    await this.waitFor(async () => {
      for (const n of this.live()) {
        const res = await fetch(`${n.url}/api/files/${probe}`, { method: "HEAD" });
        if (res.status !== 404) return false;
      }
      return true;
    }, timeoutMs, "a quorum read (404 for a path nobody wrote) on every node", 500);
  }

  /**
   * Starts one more node with the next id, joining through `seeds` (gossip addresses), and waits until its
   * HTTP port answers. Membership is not awaited: the caller measures the join.
   */
  async addNode(seeds: string[], extraEnv: Record<string, string> = {}): Promise<BenchNode> {
    const { root, env, cpuProfDir } = this.init;
    const id = `${this.init.idPrefix ?? "n"}${this.nodes.length + 1}`;
    this.clusterKey ??= randomBytes(32).toString("base64url");
    const node = new BenchNode(id, join(root, id), join(root, `${id}.log`), await freePort(), await freePort(), await freePort());
    this.nodes.push(node);
    node.start(seeds, { CLUSTER_KEY: this.clusterKey, ...env, ...extraEnv }, cpuProfDir, this.init.command);
    await node.waitReady();
    return node;
  }

  /** Nodes not SIGKILLed on purpose. */
  live(): BenchNode[] {
    return this.nodes.filter((n) => !n.killed);
  }

  /** Until every live node sees exactly `count` alive members. */
  async waitForMembers(count: number, timeoutMs = 60_000): Promise<void> {
    await this.waitFor(async () => {
      for (const n of this.live()) if ((await n.aliveMembers()) !== count) return false;
      return true;
    }, timeoutMs, `every node to see ${count} alive members`);
  }

  assertAlive(): void {
    for (const n of this.nodes) n.assertAlive();
  }

  /** /status of every live node, in node order. */
  async statuses(): Promise<NodeStatus[]> {
    return Promise.all(this.live().map((n) => n.status()));
  }

  /** Polls `check` until true; node deaths fail at once rather than at the timeout. */
  async waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 100): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastErr: unknown;
    while (Date.now() < deadline) {
      this.assertAlive();
      try {
        if (await check()) return;
      } catch (err) {
        lastErr = err;
      }
      await Bun.sleep(intervalMs);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ""}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  killNow(): void {
    for (const n of this.nodes) n.killNow();
  }
}
