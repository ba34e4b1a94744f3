// Orrery under test: three nodes of this checkout on 127.0.0.1 (distinct ports, one data dir each on the run's
// disk), RF 3, 4 MiB chunks, reached through the files API; node 1 also serves S3. Loopback, not a namespace:
// off loopback the nodes encrypt every peer connection (AES-GCM records, no opt-out), while GlusterFS and MooseFS
// send plaintext; on loopback the peer connections are authenticated and unencrypted, the same footing.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../../test/harness/ports.ts";
import { BenchCluster, type BenchNode } from "../../cluster.ts";
import type { Target } from "../client.ts";
import { cpuSecondsOf } from "../cpu-time.ts";
import { resetHwm, type SystemUnderTest, vmHwmMiB, type WriteKind } from "./system.ts";

export interface OrreryInit {
  root: string;
  cpuProfDir?: string;
  log: (line: string) => void;
}

export class OrrerySystem implements SystemUnderTest {
  readonly id = "orrery" as const;
  readonly cluster: BenchCluster;
  readonly s3 = { accessKey: "benchcompare", secretKey: randomBytes(24).toString("base64url"), endpoint: "", region: "us-east-1" };
  private chunkSize: number | null = null;

  constructor(private readonly init: OrreryInit) {
    this.cluster = new BenchCluster({
      root: join(init.root, "orrery"),
      size: 3,
      env: { REPLICATION_FACTOR: "3", LOG_LEVEL: "warn" },
      cpuProfDir: init.cpuProfDir,
      log: init.log,
    });
  }

  get nodes(): BenchNode[] {
    return this.cluster.nodes;
  }

  async start(): Promise<void> {
    mkdirSync(join(this.init.root, "orrery"), { recursive: true });
    const s3Port = await freePort();
    for (let k = 0; k < 3; k++) {
      const env: Record<string, string> = k === 0 ? { S3_PORT: String(s3Port), S3_CREDENTIALS: `${this.s3.accessKey}:${this.s3.secretKey}` } : { S3_PORT: "0" };
      const node = await this.cluster.addNode(
        this.cluster.nodes.map((n) => n.gossipAddr),
        env,
      );
      this.init.log(`  orrery ${node.id}: pid ${node.pid}, http ${node.httpPort}${k === 0 ? `, s3 ${s3Port}` : ""}`);
    }
    await this.cluster.waitForMembers(3);
    const t0 = performance.now();
    await this.cluster.waitForQuorumReads();
    this.init.log(`  orrery: quorum reads answer on every node after ${((performance.now() - t0) / 1000).toFixed(1)} s (the rings the cluster went through while forming count for a settle window)`);
    this.s3.endpoint = `http://127.0.0.1:${s3Port}`;
    this.chunkSize = (await this.nodes[0]!.status()).chunkSize;
  }

  private bases(order: number[]): string[] {
    return order.map((k) => `${this.nodes[k]!.url}/api/files`);
  }

  /** Writes through nodes 1, 2, 3 in turn; every read through a node other than the file's writer. */
  target(kind: WriteKind): Target {
    const durability = kind === "large-all" ? "all" : "quorum";
    return { kind: "http", write: this.bases([0, 1, 2]), read: this.bases([1, 2, 0]), query: `durability=${durability}` };
  }

  async mkdir(dir: string): Promise<void> {
    const res = await fetch(`${this.nodes[0]!.url}/api/mkdir`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: `/${dir}` }),
    });
    if (!res.ok) throw new Error(`orrery mkdir /${dir}: HTTP ${res.status} ${await res.text()}`);
    // Every node has it before the clients start, so the creates measure files, not parents arriving.
    await this.cluster.waitFor(async () => {
      const codes = await Promise.all(this.nodes.map(async (n) => (await fetch(`${n.url}/api/files/${dir}/`).then(async (r) => (await r.arrayBuffer(), r.status)))));
      return codes.every((c) => c === 200);
    }, 60_000, `/${dir} on every node`);
  }

  async remove(name: string): Promise<void> {
    const res = await fetch(`${this.nodes[0]!.url}/api/files/${name}`, { method: "DELETE" });
    await res.arrayBuffer();
    if (!res.ok && res.status !== 404) throw new Error(`orrery DELETE ${name}: HTTP ${res.status}`);
  }

  async verifyLarge(name: string): Promise<string | null> {
    const res = await fetch(`${this.nodes[0]!.url}/api/stat/${name}`);
    if (!res.ok) return `GET /api/stat/${name}: HTTP ${res.status}`;
    const stat = (await res.json()) as { chunks?: (string | { id: string })[] };
    const ids = [...new Set((stat.chunks ?? []).map((c) => (typeof c === "string" ? c : c.id)))];
    if (ids.length === 0) return `GET /api/stat/${name} lists no chunks`;
    const short = this.nodes.map((n) => {
      const files = n.chunkFiles();
      return `${n.id} ${ids.filter((id) => files.has(id)).length}/${ids.length}`;
    });
    return short.every((s) => s.endsWith(` ${ids.length}/${ids.length}`)) ? null : `chunk files per node: ${short.join(", ")}`;
  }

  async emptyClientCaches(): Promise<void> {
    // The client is a fresh process per run and the nodes keep no cache of file data: the page cache is all.
  }

  /** Until no node has a copy left in its replication queue (quorum writes leave the third copy to it). */
  async settle(): Promise<void> {
    await this.cluster.waitFor(async () => (await this.cluster.statuses()).every((s) => s.queue.depth === 0), 300_000, "empty replication queues");
  }

  peakRssMiB(): Record<string, number | null> {
    return Object.fromEntries(this.nodes.map((n) => [n.id, n.running ? vmHwmMiB(n.pid) : null]));
  }

  resetPeakRss(): void {
    for (const n of this.nodes) if (n.running) resetHwm(n.pid);
  }

  cpuSeconds(): Record<string, number | null> {
    return Object.fromEntries(this.nodes.map((n) => [n.id, n.running ? cpuSecondsOf(n.pid) : null]));
  }

  describe(): Record<string, unknown> {
    return {
      version: "this checkout",
      nodes: this.nodes.map((n) => ({ id: n.id, http: n.url })),
      replicationFactor: 3,
      chunkSize: this.chunkSize,
      transport: "127.0.0.1, peer connections authenticated, not encrypted (loopback)",
      durability: { large: "all (201 after 3 fsynced copies)", largeQuorum: "quorum", small: "quorum (201 after 2 fsynced copies, the 3rd queued)", s3: "quorum" },
      s3Endpoint: this.s3.endpoint,
    };
  }

  async stop(): Promise<void> {
    await this.cluster.stop().catch(() => this.cluster.killNow());
  }

}
