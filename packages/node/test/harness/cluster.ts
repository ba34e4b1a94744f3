// Test harness: real Orrery node processes on 127.0.0.1, each with its own data dir and ports,
// that tests can SIGKILL, restart and inspect. Logs go to files; their tails are printed on demand.
import { type Subprocess } from "bun";
import { randomBytes as cryptoRandomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Member, NodeStatus } from "@orrery/api";
import { getAnswer } from "./api.ts";
import { freePort, waitForStatus } from "./ports.ts";

const PKG = join(import.meta.dir, "..", "..");
const CHUNK_FILE = /^[0-9a-f]{64}$/;

export interface NodeOptions {
  replicationFactor?: number;
  chunkSizeMb?: number;
  gossipIntervalMs?: number;
  env?: Record<string, string>;
  /** Sent with the harness's own requests (/api/cluster): the credential of a node that requires a login. */
  headers?: Record<string, string>;
}

export class TestNode {
  proc: Subprocess | undefined;
  readonly logFile: string;
  /** A command the node runs under, e.g. ["faketime", "-f", "-30s"] for a skewed clock. */
  wrapper: string[] = [];
  /** Sent with the harness's own requests (a login on a node with AUTH=required). */
  headers: Record<string, string> = {};
  private starts = 0;

  constructor(
    readonly id: string,
    readonly dataDir: string,
    readonly httpPort: number,
    readonly gossipPort: number,
    readonly transferPort: number,
    private readonly env: Record<string, string>,
  ) {
    this.logFile = join(dataDir, "..", `${id}.log`);
  }

  /**
   * https:// when the test turned TLS on: TLS=on, TLS_CERT, or TLS=auto on a node bound beyond loopback (the
   * harness sets TLS=off otherwise); the harness's own requests (status, members) speak plain HTTP.
   */
  get url(): string {
    const beyondLoopback = this.env.BIND_ADDRESS !== undefined && !this.env.BIND_ADDRESS.startsWith("127.");
    const tls = this.env.TLS === "on" || (this.env.TLS !== "off" && this.env.TLS_CERT !== undefined) || (this.env.TLS === "auto" && beyondLoopback);
    return `${tls ? "https" : "http"}://127.0.0.1:${this.httpPort}`;
  }

  get gossipAddr(): string {
    return `127.0.0.1:${this.gossipPort}`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(seeds: string[] = [], extraEnv: Record<string, string> = {}): void {
    // A second process on a running node's ports and data dir exits at once while the first keeps answering
    // (and outlives the test, since only the newest process is stopped): a test bug, said loudly.
    if (this.running) throw new Error(`${this.id} is running: stop or kill it before starting it again`);
    this.starts++;
    const log = openSync(`${this.logFile}.${this.starts}`, "a");
    this.proc = Bun.spawn([...this.wrapper, process.execPath, "src/main.ts", "node"], {
      cwd: PKG,
      env: {
        ...process.env,
        NODE_ID: this.id,
        DATA_DIR: this.dataDir,
        BIND_ADDRESS: "127.0.0.1",
        // Plain HTTP even where a test binds beyond loopback (TLS=auto would serve HTTPS there); TLS tests set it.
        TLS: "off",
        HTTP_PORT: String(this.httpPort),
        GOSSIP_PORT: String(this.gossipPort),
        TRANSFER_PORT: String(this.transferPort),
        SEEDS: seeds.join(","),
        ...this.env,
        ...extraEnv,
      },
      stdout: log,
      stderr: log,
    });
    closeSync(log);
  }

  waitReady(timeoutMs = 20_000): Promise<void> {
    return waitForStatus(
      this.url,
      () => {
        if (!this.running) throw new Error(`${this.id} exited (${this.proc?.exitCode}):\n${this.logTail()}`);
      },
      timeoutMs,
      () => new Error(`${this.id} not ready after ${timeoutMs} ms:\n${this.logTail()}`),
    );
  }

  /** SIGKILL: no clean-up, no goodbye — a crash. */
  async kill(): Promise<void> {
    if (!this.proc || !this.running) return;
    signalTree(this.proc.pid, "SIGKILL");
    await this.proc.exited;
  }

  async stop(): Promise<void> {
    if (!this.proc || !this.running) return;
    signalTree(this.proc.pid, "SIGTERM");
    const pid = this.proc.pid;
    const t = setTimeout(() => signalTree(pid, "SIGKILL"), 5000);
    await this.proc.exited;
    clearTimeout(t);
  }

  logTail(lines = 40): string {
    try {
      const text = readFileSync(`${this.logFile}.${this.starts}`, "utf8");
      return text.split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Where this node keeps a chunk's file (store/chunk-store.ts: chunks/ab/cd/<id>). */
  chunkPath(id: string): string {
    return join(this.dataDir, "chunks", id.slice(0, 2), id.slice(2, 4), id);
  }

  /** Chunk ids present in this node's data dir (files on disk, not the index). */
  chunkFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e);
        if (CHUNK_FILE.test(e) && statSync(p).isFile()) out.push(e);
        else if (e.length === 2 && statSync(p).isDirectory()) walk(p);
      }
    };
    walk(join(this.dataDir, "chunks"));
    return out;
  }

  status(): Promise<NodeStatus> {
    return getAnswer(`${this.url}/status`, "status", { headers: this.headers });
  }

  async members(): Promise<Member[]> {
    return (await getAnswer(`${this.url}/api/cluster`, "cluster", { headers: this.headers })).members;
  }
}

export class TestCluster {
  readonly root: string;
  readonly nodes: TestNode[] = [];
  /** One cluster key for every node of this cluster, as an operator would hand it out. */
  readonly clusterKey = cryptoRandomBytes(32).toString("base64url");

  private constructor(private readonly opts: NodeOptions) {
    this.root = mkdtempSync(join(tmpdir(), "orrery-test-"));
  }

  /**
   * Starts `n` nodes together, each seeded with the ones before it (a seed not up yet is retried by the
   * joiner, as in a real cluster that powers on at once), and waits until every node sees all `n`.
   */
  static async start(n: number, opts: NodeOptions = {}): Promise<TestCluster> {
    const c = new TestCluster(opts);
    const nodes: TestNode[] = [];
    for (let i = 0; i < n; i++) nodes.push(await c.create());
    try {
      await Promise.all(nodes.map((node) => c.launch(node)));
    } catch (err) {
      await c.stop();
      throw err;
    }
    await c.waitForMembers(n);
    return c;
  }

  /**
   * Starts one more node seeded with the others; `wrapper` runs it under another command (faketime), `env`
   * adds settings for this node only (STORE_QUOTA_MB, STORAGE, …).
   */
  async add(wrapper: string[] = [], nodeEnv: Record<string, string> = {}): Promise<TestNode> {
    const node = await this.create(wrapper, nodeEnv);
    await this.launch(node);
    return node;
  }

  /** A node with its ports and data dir, in the cluster's list but not started. */
  private async create(wrapper: string[] = [], nodeEnv: Record<string, string> = {}): Promise<TestNode> {
    const id = `n${this.nodes.length + 1}`;
    const env: Record<string, string> = {
      REPLICATION_FACTOR: String(this.opts.replicationFactor ?? 3),
      CHUNK_SIZE_MB: String(this.opts.chunkSizeMb ?? 1),
      GOSSIP_INTERVAL_MS: String(this.opts.gossipIntervalMs ?? 200),
      SYNC_INTERVAL_MS: "1000",
      QUEUE_RETRY_BASE_MS: "200",
      QUEUE_RETRY_MAX_MS: "2000",
      LOG_LEVEL: "info",
      REBALANCE_GRACE_S: "2",
      // No S3 listener unless a test asks for one (many nodes on one host would contend for 9000).
      S3_PORT: "0",
      CLUSTER_KEY: this.clusterKey,
      ...this.opts.env,
      ...nodeEnv,
    };
    const node = new TestNode(id, join(this.root, id), await freePort(), await freePort(), await freePort(), env);
    node.wrapper = wrapper;
    node.headers = { ...this.opts.headers };
    this.nodes.push(node);
    return node;
  }

  /** Starts a created node seeded with the nodes listed before it, and waits until it answers. */
  private async launch(node: TestNode): Promise<void> {
    const seeds = this.nodes.slice(0, this.nodes.indexOf(node)).map((x) => x.gossipAddr);
    node.start(seeds);
    await node.waitReady();
  }

  node(id: string): TestNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Restarts a stopped node with the others as seeds. */
  async restart(node: TestNode): Promise<void> {
    node.start(this.nodes.filter((x) => x !== node).map((x) => x.gossipAddr));
    await node.waitReady();
  }

  /** Waits until every running node sees `count` alive members. */
  async waitForMembers(count: number, timeoutMs = 20_000): Promise<void> {
    await waitFor(async () => {
      for (const n of this.nodes.filter((x) => x.running)) {
        const alive = (await n.members()).filter((m) => m.state === "alive").length;
        if (alive !== count) return false;
      }
      return true;
    }, timeoutMs, `all nodes to see ${count} alive members`);
  }

  /** How many data dirs hold each chunk id. */
  copies(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const n of this.nodes) for (const id of n.chunkFiles()) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  }

  /** Every node's recent log lines, each prefixed with the node's id. */
  logs(lines = 40): string {
    return this.nodes
      .map((n) =>
        n
          .logTail(lines)
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => `${n.id}| ${l}`)
          .join("\n"),
      )
      .join("\n");
  }

  /**
   * Runs a test body; if it fails, prints the nodes' recent logs before rethrowing, so that a failure seen
   * only in CI carries what the nodes were doing.
   */
  async explain<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      console.error(`--- node logs at the failure ---\n${this.logs()}`);
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    if (!process.env.KEEP_TEST_DATA) rmSync(this.root, { recursive: true, force: true });
  }
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err;
    }
    await Bun.sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ""}`);
}

export function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) crypto.getRandomValues(out.subarray(off, Math.min(size, off + 65536)));
  return out;
}

export async function put(url: string, path: string, body: Uint8Array<ArrayBuffer> | string, durability = "quorum"): Promise<Response> {
  return fetch(`${url}/api/files/${path}?durability=${durability}`, { method: "PUT", body });
}

export async function getBytes(url: string, path: string): Promise<Uint8Array> {
  const res = await fetch(`${url}/api/files/${path}`);
  if (!res.ok) throw new Error(`GET ${path} from ${url}: ${res.status} ${await res.text()}`);
  return new Uint8Array(await res.arrayBuffer());
}

export function sha256(b: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(b).digest("hex");
}

/**
 * Signals a process and its descendants, children first: a node run under a wrapper (faketime forks the node
 * rather than exec it) would otherwise outlive the test as an orphan.
 */
function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const child of childrenOf(pid)) signalTree(child, signal);
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8")
        .split(" ")
        .filter((x) => x !== "")
        .map(Number),
    );
  } catch {
    return []; // not Linux, or the process is gone
  }
}
