// A local Orrery cluster for the benchmark: real `bun src/main.ts node` processes on 127.0.0.1 with free
// ports and data dirs under the run's tmp dir; started in order, stopped by PID (SIGTERM, then SIGKILL).
import type { Subprocess } from "bun";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../test/harness/ports.ts";

const PKG = join(import.meta.dir, "..");
const CHUNK_FILE = /^[0-9a-f]{64}$/;
const FANOUT = /^[0-9a-f]{2}$/;

export interface ClusterInit {
  root: string;
  size: number;
  env: Record<string, string>;
  /** When set, every node runs under `bun --cpu-prof --cpu-prof-md` with profiles written here. */
  cpuProfDir?: string;
  log: (line: string) => void;
}

export interface NodeStatus {
  nodeId: string;
  chunkSize: number;
  members: { alive: number; suspect: number; dead: number; left: number };
  chunks: { count: number; bytes: number };
  files: { files: number; dirs: number; tombstones: number; bytes: number };
  queue: { depth: number; byTarget: Record<string, number> };
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

  start(seeds: string[], env: Record<string, string>, cpuProfDir?: string): void {
    const log = openSync(this.logFile, "a");
    const prof = cpuProfDir ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${this.id}`] : [];
    this.proc = Bun.spawn([process.execPath, ...prof, "src/main.ts", "node"], {
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

  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.assertAlive();
      try {
        const res = await fetch(`${this.url}/status`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await Bun.sleep(50);
    }
    throw new Error(`${this.id} not ready after ${timeoutMs} ms:\n${this.logTail()}`);
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
    const res = await fetch(`${this.url}/api/cluster`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { members: Array<{ state: string }> };
    return body.members.filter((m) => m.state === "alive").length;
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

  constructor(private readonly init: ClusterInit) {}

  /** Starts the nodes one by one (each seeded with the ones before it) and waits for full membership. */
  async start(): Promise<void> {
    const { root, size, env, cpuProfDir, log } = this.init;
    for (let i = 1; i <= size; i++) {
      const id = `n${i}`;
      const node = new BenchNode(id, join(root, id), join(root, `${id}.log`), await freePort(), await freePort(), await freePort());
      const seeds = this.nodes.map((n) => n.gossipAddr);
      this.nodes.push(node);
      node.start(seeds, env, cpuProfDir);
      await node.waitReady();
      log(`${id} up: pid ${node.pid}, http ${node.httpPort}, gossip ${node.gossipPort}, transfer ${node.transferPort}`);
    }
    await this.waitFor(async () => {
      for (const n of this.nodes) if ((await n.aliveMembers()) !== size) return false;
      return true;
    }, 60_000, `every node to see ${size} alive members`);
  }

  assertAlive(): void {
    for (const n of this.nodes) n.assertAlive();
  }

  async statuses(): Promise<NodeStatus[]> {
    return Promise.all(this.nodes.map((n) => n.status()));
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
