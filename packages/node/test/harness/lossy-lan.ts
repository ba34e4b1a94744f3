// Real node processes on a real (virtual) LAN whose gossip datagrams can be dropped at random: one network
// namespace per node, joined by a bridge in a "hub" namespace, and in each node's namespace an nftables rule
// `udp dport 4000 numgen random mod 100 < P drop` on output (the kernel here has no tc netem). Only gossip
// datagrams are dropped; the TCP peer connections are untouched, as on a LAN whose UDP is lossy or policed.
// Used by test/faults/gossip-loss.test.ts and the long run `pnpm gossip-loss` (scripts/gossip-loss.ts).
// The namespaces are built by netns.ts (nothing touches the host's network); `close()` deletes them, and
// with them the veths and nftables tables, also after a failure.
import type { Subprocess } from "bun";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildLan, removeStaleNamespaces, run, startNodeIn } from "./netns.ts";

const FETCH = join(import.meta.dir, "..", "discovery", "ns-fetch.ts");
const PREFIX = "orrloss-";
/** Every node's gossip port (the default); the drop rule matches it, so discovery and TCP are never dropped. */
const GOSSIP_PORT = 4000;
const TABLE = "orrery_loss";

export interface LossyNode {
  id: string;
  ns: string;
  ip: string;
  log: string;
  proc?: Subprocess;
}

/** One membership change a node logged ("member changed"), with the time it logged it. */
export interface MemberChangeLine {
  at: number;
  observer: string;
  member: string;
  from: string;
  to: string;
}

export interface LossyLanOptions {
  nodes: number;
  /** GOSSIP_INTERVAL_MS of every node; default 1000 (the default of a real node). */
  gossipIntervalMs?: number;
  env?: Record<string, string>;
}

/** Why this machine cannot run a lossy LAN (not root, no `ip netns`, no `nft`), or undefined when it can. */
export function lossyLanUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces and nftables)";
  for (const tool of ["ip", "nft"]) {
    if (Bun.which(tool) === null) return `needs \`${tool}\` (Debian package ${tool === "ip" ? "iproute2" : "nftables"}; scripts/system-deps.sh installs it)`;
  }
  const probe = `${PREFIX}probe-${process.pid}`;
  try {
    run(["ip", "netns", "add", probe]);
    run(["ip", "netns", "exec", probe, "nft", "add", "table", "inet", TABLE]);
  } catch (err) {
    return `network namespaces or nftables do not work here: ${(err as Error).message}`;
  } finally {
    Bun.spawnSync(["ip", "netns", "del", probe]);
  }
  return undefined;
}

export class LossyLan {
  readonly nodes: LossyNode[];
  readonly root = mkdtempSync(join(tmpdir(), "orrery-lossy-lan-"));
  private readonly tag = `${PREFIX}${process.pid}-${Math.random().toString(16).slice(2, 6)}`;
  private readonly hub = `${this.tag}-hub`;
  private readonly namespaces: string[] = [];
  private readonly key = randomBytes(32).toString("base64url");
  private lossPercent = 0;

  constructor(private readonly opts: LossyLanOptions) {
    // A subnet per process, so two runs on one machine never share addresses (they share no bridge either).
    const subnet = `10.78.${10 + (process.pid % 200)}`;
    this.nodes = Array.from({ length: opts.nodes }, (_, i) => ({
      id: `g${i + 1}`,
      ns: `${this.tag}-n${i + 1}`,
      ip: `${subnet}.${11 + i}`,
      log: join(this.root, `g${i + 1}.log`),
    }));
  }

  /** Builds the namespaces, starts every node (all seeded with the first) and waits until all see all alive. */
  async start(timeoutMs = 120_000): Promise<void> {
    removeStaleNamespaces(PREFIX);
    buildLan(this.hub, this.nodes, (name) => this.addNamespace(name));
    this.setLoss(0);
    for (const n of this.nodes) this.startNode(n);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(this.nodes.map((n) => this.members(n).catch(() => [])));
      if (views.every((v) => v.filter((m) => m.state === "alive").length === this.nodes.length)) return;
      if (Date.now() > deadline) throw new Error(`the ${this.nodes.length} nodes did not all see each other alive within ${timeoutMs} ms\n${this.logTails()}`);
      await Bun.sleep(500);
    }
  }

  /** Drops `percent` % of the gossip datagrams every node sends (0 removes the drop rule). */
  setLoss(percent: number): void {
    this.lossPercent = percent;
    const drop = percent > 0 ? `udp dport ${GOSSIP_PORT} numgen random mod 100 < ${percent} counter drop` : "";
    const script = `add table inet ${TABLE}
flush table inet ${TABLE}
table inet ${TABLE} {
  chain out {
    type filter hook output priority 0; policy accept;
    udp dport ${GOSSIP_PORT} counter
    ${drop}
  }
}
`;
    for (const n of this.nodes) {
      const r = Bun.spawnSync(["ip", "netns", "exec", n.ns, "nft", "-f", "-"], { stdin: Buffer.from(script), stdout: "pipe", stderr: "pipe" });
      if (r.exitCode !== 0) throw new Error(`nft in ${n.ns} failed: ${r.stderr.toString().trim()}`);
    }
  }

  /** Gossip datagrams sent and dropped by all nodes since the last setLoss (from the nftables counters). */
  datagramCounts(): { sent: number; dropped: number; lossPercent: number } {
    let sent = 0;
    let dropped = 0;
    for (const n of this.nodes) {
      const text = run(["ip", "netns", "exec", n.ns, "nft", "list", "table", "inet", TABLE]);
      for (const line of text.split("\n")) {
        const packets = Number(/counter packets (\d+)/.exec(line)?.[1] ?? NaN);
        if (Number.isNaN(packets)) continue;
        if (line.includes("drop")) dropped += packets;
        else sent += packets;
      }
    }
    return { sent, dropped, lossPercent: this.lossPercent };
  }

  /** SIGSTOP / SIGCONT a node: its process stops reading and answering, its sockets stay open. */
  pause(n: LossyNode): void {
    n.proc?.kill("SIGSTOP");
  }

  resume(n: LossyNode): void {
    n.proc?.kill("SIGCONT");
  }

  /** Every "member changed" line the nodes logged, in the order of their timestamps. */
  memberChanges(): MemberChangeLine[] {
    const out: MemberChangeLine[] = [];
    for (const n of this.nodes) {
      let text = "";
      try {
        text = readFileSync(n.log, "utf8");
      } catch {
        continue;
      }
      for (const line of text.split("\n")) {
        if (!line.includes('"member changed"')) continue;
        try {
          const j = JSON.parse(line) as { t: string; member: string; from: string; to: string };
          out.push({ at: Date.parse(j.t), observer: n.id, member: j.member, from: j.from, to: j.to });
        } catch {
          // a line cut by a kill: not a change
        }
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /** What `n` answers at /api/cluster (asked from inside its namespace). */
  async members(n: LossyNode): Promise<Array<{ id: string; state: string; incarnation: number }>> {
    return JSON.parse(await this.get(n, "/api/cluster")).members;
  }

  /** A GET to node `n`'s HTTP API, made from inside its namespace. */
  async get(n: LossyNode, path: string): Promise<string> {
    const proc = Bun.spawn(["ip", "netns", "exec", n.ns, process.execPath, FETCH, "GET", `http://${n.ip}:3000${path}`], { stdout: "pipe", stderr: "pipe" });
    const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    const r = JSON.parse(out.trim().split("\n").pop() || "{}") as { status?: number; body?: string; error?: string };
    if (r.status !== 200) throw new Error(`${n.id} ${path}: ${r.status ?? 0} ${r.error ?? ""}`);
    return Buffer.from(r.body ?? "", "base64").toString();
  }

  /** Sums a Prometheus counter's samples over every node, by the value of `label`. */
  async metricTotals(name: string, label: string): Promise<Record<string, number>> {
    const totals: Record<string, number> = {};
    for (const n of this.nodes) {
      const text = await this.get(n, "/metrics");
      for (const line of text.split("\n")) {
        const m = new RegExp(`^${name}\\{.*${label}="([^"]+)".*\\} (\\d+(?:\\.\\d+)?)$`).exec(line);
        if (m) totals[m[1]!] = (totals[m[1]!] ?? 0) + Number(m[2]);
      }
    }
    return totals;
  }

  logTails(lines = 15): string {
    return this.nodes
      .map((n) => {
        let text = "(no log)";
        try {
          text = readFileSync(n.log, "utf8").split("\n").slice(-lines).join("\n");
        } catch {}
        return `--- ${n.id} ---\n${text}`;
      })
      .join("\n");
  }

  /** Stops every node and deletes the namespaces (with their veths and nftables tables). Safe to call twice. */
  async close(): Promise<void> {
    for (const n of this.nodes) {
      n.proc?.kill("SIGCONT");
      n.proc?.kill("SIGKILL");
    }
    await Promise.all(this.nodes.map((n) => n.proc?.exited));
    for (const ns of this.namespaces.splice(0).reverse()) {
      Bun.spawnSync(["ip", "netns", "exec", ns, "nft", "delete", "table", "inet", TABLE]);
      Bun.spawnSync(["ip", "netns", "del", ns]);
    }
    if (!process.env.KEEP_TEST_DATA) rmSync(this.root, { recursive: true, force: true });
  }

  private addNamespace(name: string): void {
    run(["ip", "netns", "add", name]);
    this.namespaces.push(name);
  }

  private startNode(n: LossyNode): void {
    const first = this.nodes[0]!;
    const env: Record<string, string | undefined> = {
      ...process.env,
      NODE_ID: n.id,
      DATA_DIR: join(this.root, n.id),
      BIND_ADDRESS: n.ip,
      SEEDS: n === first ? "" : `${first.ip}:${GOSSIP_PORT}`,
      CLUSTER_KEY: this.key,
      DISCOVERY: "off",
      // These nodes bind beyond loopback, where logins are asked for by default (AUTH=auto): the harness reads
      // /api/cluster and /metrics to watch gossip, which is what it is about, not accounts.
      AUTH: "off",
      TLS: "off", // the harness speaks plain HTTP to the nodes
      // Every namespace has its own ports, so every node uses the same ones.
      HTTP_PORT: "3000",
      GOSSIP_PORT: String(GOSSIP_PORT),
      TRANSFER_PORT: "5000",
      S3_PORT: "0",
      GOSSIP_INTERVAL_MS: String(this.opts.gossipIntervalMs ?? 1000),
      SYNC_INTERVAL_MS: "1000",
      CHUNK_SIZE_MB: "1",
      LOG_LEVEL: "info",
      ...this.opts.env,
    };
    n.proc = startNodeIn(n.ns, env, n.log);
  }
}
