// What an idle node of an N-node cluster costs: starts N nodes on 127.0.0.1 (all at once), waits until every view
// is complete, lets the background loops settle, then reads every process's CPU, RSS, wake-ups and threads from
// /proc over a window, touching no node meanwhile: CPU per thread (the main thread, the allocator's scavenger, the
// JIT's workers), voluntary context switches (wake-ups), RSS and its anonymous part. `--prof K` runs the first K
// nodes from source under `bun --cpu-prof` (profiles written on stop), or with `--preload FILE`, and leaves them
// out of the means. `bun bench/scale/idle.ts --nodes 20 --binary ../../dist/orrery` (`pnpm scale:idle`).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { NodeStatus } from "@orrery/api";
import { BenchNode } from "../cluster.ts";
import { freePort } from "../../test/harness/ports.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    nodes: { type: "string", default: "20" },
    "settle-s": { type: "string", default: "60" },
    "window-s": { type: "string", default: "60" },
    binary: { type: "string" },
    prof: { type: "string", default: "0" },
    "prof-dir": { type: "string" },
    env: { type: "string", multiple: true },
    "hold-s": { type: "string", default: "0" },
    preload: { type: "string" },
  },
  strict: true,
});
const n = Number(values.nodes);
const settleS = Number(values["settle-s"]);
const windowS = Number(values["window-s"]);
const profK = Number(values.prof);
const extraEnv = Object.fromEntries((values.env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
const t0 = performance.now();
const log = (line: string) => process.stderr.write(`[idle ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);

interface Sample {
  cpuMs: number;
  rssKiB: number;
  anonKiB: number;
  switches: number;
  /** CPU ms per thread id, with the thread's name. */
  threads: Map<string, { name: string; ms: number }>;
}

function sample(pid: number): Sample {
  const stat = (text: string) => {
    const f = text.split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  };
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const threads = new Map<string, { name: string; ms: number }>();
  let switches = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim().replace(/\d+$/, "#");
      threads.set(tid, { name, ms: stat(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8")) });
      const ts = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      switches += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(ts)?.[1] ?? 0);
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return { cpuMs: stat(readFileSync(`/proc/${pid}/stat`, "utf8")), rssKiB: field("VmRSS"), anonKiB: field("RssAnon"), switches, threads };
}

async function connectionsDialled(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  return Number(/^orrery_peer_connections_opened_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

async function allConverged(nodes: BenchNode[]): Promise<number> {
  const views = await Promise.all(
    nodes.map(async (node) => {
      try {
        const res = await fetch(`${node.url}/status`, { signal: AbortSignal.timeout(10_000) });
        const { members } = (await res.json()) as NodeStatus;
        return members.alive === nodes.length && members.suspect === 0 && members.dead === 0;
      } catch {
        return false;
      }
    }),
  );
  return views.filter(Boolean).length;
}

const root = mkdtempSync(join(tmpdir(), "orrery-idle-"));
const profDir = values["prof-dir"] ? resolve(values["prof-dir"]) : join(root, "prof");
if (profK) mkdirSync(profDir, { recursive: true });
const nodes: BenchNode[] = [];
for (let i = 1; i <= n; i++) nodes.push(new BenchNode(`n${i}`, join(root, `n${i}`), join(root, `n${i}.log`), await freePort(), await freePort(), await freePort()));
const seeds = nodes.slice(0, 3).map((x) => x.gossipAddr);
const env = { CLUSTER_KEY: randomBytes(32).toString("base64url"), LOG_LEVEL: "warn", S3_PORT: "0", REPLICATION_FACTOR: "3", ...extraEnv };
const command = values.binary ? [resolve(values.binary)] : undefined;
let code = 0;
try {
  const preloaded = values.preload ? [process.execPath, "--preload", resolve(values.preload), "src/main.ts"] : undefined;
  nodes.forEach((node, i) => {
    const others = seeds.filter((s) => s !== node.gossipAddr);
    if (i < profK && preloaded) node.start(others, env, undefined, preloaded);
    else node.start(others, env, i < profK ? profDir : undefined, i < profK ? undefined : command);
  });
  const began = performance.now();
  for (;;) {
    for (const x of nodes) x.assertAlive();
    const good = await allConverged(nodes);
    if (good === n) break;
    if (performance.now() - began > 300_000) throw new Error(`not converged after 300 s (${good}/${n})`);
    await Bun.sleep(2000);
  }
  log(`converged after ${((performance.now() - began) / 1000).toFixed(1)} s; settling ${settleS} s`);
  await Bun.sleep(settleS * 1000);
  const load0 = loadavg()[0]!;
  // Connections each node dialled (each a TCP and a cluster-key handshake on both sides), read just before and after.
  const dialledBefore = await Promise.all(nodes.map((x) => connectionsDialled(x.url)));
  const windowFrom = Date.now();
  const before = nodes.map((x) => sample(x.pid));
  await Bun.sleep(windowS * 1000);
  const after = nodes.map((x) => sample(x.pid));
  const windowTo = Date.now();
  const dialledAfter = await Promise.all(nodes.map((x) => connectionsDialled(x.url)));
  const good = await allConverged(nodes);
  const pct = (i: number) => ((after[i]!.cpuMs - before[i]!.cpuMs) / (windowS * 1000)) * 100;
  const rows = nodes.map((x, i) => ({ id: x.id, prof: i < profK, cpu: pct(i), wakeups: (after[i]!.switches - before[i]!.switches) / windowS, rss: after[i]!.rssKiB / 1024, anon: after[i]!.anonKiB / 1024 }));
  const plain = rows.filter((r) => !r.prof);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  // Per thread name, over the threads alive at both ends; what threads that came or went used is "(exited or new)".
  const threadTotals = new Map<string, number>();
  nodes.forEach((_, i) => {
    if (i < profK) return;
    let counted = 0;
    for (const [tid, t] of after[i]!.threads) {
      const b = before[i]!.threads.get(tid);
      if (!b) continue;
      threadTotals.set(t.name, (threadTotals.get(t.name) ?? 0) + t.ms - b.ms);
      counted += t.ms - b.ms;
    }
    const rest = after[i]!.cpuMs - before[i]!.cpuMs - counted;
    threadTotals.set("(exited or new)", (threadTotals.get("(exited or new)") ?? 0) + rest);
  });
  const perThread = [...threadTotals].sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name} ${((ms / plain.length / (windowS * 1000)) * 100).toFixed(3)}%`);
  const summary = {
    nodes: n,
    windowS,
    settleS,
    load: [load0, loadavg()[0]],
    stillConverged: `${good}/${n}`,
    idleCpuPctMean: mean(plain.map((r) => r.cpu)),
    idleCpuPctMax: Math.max(...plain.map((r) => r.cpu)),
    wakeupsPerSMean: mean(plain.map((r) => r.wakeups)),
    rssMiBMean: mean(plain.map((r) => r.rss)),
    anonMiBMean: mean(plain.map((r) => r.anon)),
    connectionsDialledPerMinMean: mean(nodes.map((_, i) => ((dialledAfter[i]! - dialledBefore[i]!) * 60) / windowS)),
    perThread,
    window: [windowFrom, windowTo],
    profiled: rows.filter((r) => r.prof).map((r) => `${r.id} ${r.cpu.toFixed(2)}% ${r.rss.toFixed(1)} MiB`),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (Number(values["hold-s"]) > 0) {
    log(`holding ${values["hold-s"]} s; pids ${nodes.map((x) => `${x.id}=${x.pid}`).join(" ")}; http ${nodes.map((x) => x.httpPort).join(" ")}`);
    await Bun.sleep(Number(values["hold-s"]) * 1000);
  }
} catch (err) {
  log((err as Error).message);
  code = 1;
} finally {
  await Promise.all(nodes.map((x) => x.stop().catch(() => {})));
  if (profK && existsSync(profDir)) log(`profiles in ${profDir}: ${readdirSync(profDir).join(", ")}`);
  rmSync(root, { recursive: true, force: true });
}
process.exit(code);
