// Starting a node: config validation (exit 2 naming the variable), a clear message for a port or a data
// directory in use, and a lone node working as a complete store.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answer, errorAnswer, getAnswer } from "../harness/api.ts";
import { getBytes, put, randomBytes, sha256, TestCluster, TestNode } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { GC_RAM_BYTES, HOLES_SWEEP_MS, PURGE_DELAY_MS } from "../../src/util/allocator.ts";

const PKG = join(import.meta.dir, "..", "..");
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "orrery-start-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function runNode(env: Record<string, string>, args: string[] = []) {
  const proc = Bun.spawn([process.execPath, "src/main.ts", "node", ...args], {
    cwd: PKG,
    env: { ...process.env, DATA_DIR: tmp(), LOG_LEVEL: "error", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, stderr: await new Response(proc.stderr).text() };
}

describe("node start-up", () => {
  test("an invalid value exits 2 with a message naming the variable", async () => {
    for (const [name, value] of [
      ["HTTP_PORT", "70000"],
      ["REPLICATION_FACTOR", "zero"],
      ["CHUNK_SIZE_MB", "-1"],
      ["SEEDS", "not a host"],
      ["NODE_ID", "bad id!"],
    ] as const) {
      const r = await runNode({ [name]: value });
      expect({ name, code: r.code }, r.stderr).toEqual({ name, code: 2 });
      expect(r.stderr).toContain(name);
    }
    const flag = await runNode({}, ["--gossip-port", "abc"]);
    expect(flag.code, flag.stderr).toBe(2);
    expect(flag.stderr).toContain("GOSSIP_PORT");
    const unknown = await runNode({}, ["--no-such-flag", "1"]);
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toContain("NO_SUCH_FLAG");
  });

  test("a port already in use gives a clear message and a non-zero exit", async () => {
    const busy = createServer();
    const port = await freePort();
    await new Promise<void>((r) => busy.listen(port, "127.0.0.1", () => r()));
    try {
      const r = await runNode({
        HTTP_PORT: String(port),
        GOSSIP_PORT: String(await freePort()),
        TRANSFER_PORT: String(await freePort()),
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`HTTP port ${port} is already in use`);
      const t = await runNode({
        HTTP_PORT: String(await freePort()),
        GOSSIP_PORT: String(await freePort()),
        TRANSFER_PORT: String(port),
      });
      expect(t.code).toBe(1);
      expect(t.stderr).toContain(`transfer port ${port} is already in use`);
    } finally {
      busy.close();
    }
  });

  test("a second node on a DATA_DIR in use is refused with a clear message; the first keeps working", async () => {
    const cluster = await TestCluster.start(1);
    try {
      const [n] = cluster.nodes;
      const r = await runNode({
        DATA_DIR: n!.dataDir,
        HTTP_PORT: String(await freePort()),
        GOSSIP_PORT: String(await freePort()),
        TRANSFER_PORT: String(await freePort()),
      });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain("is in use by another process: is a node already running with this DATA_DIR?");
      expect((await put(n!.url, "still/works.txt", "yes")).status).toBe(201);
    } finally {
      await cluster.stop();
    }
  });

  test("a node re-executes itself once, same PID, with the allocator and the collector tuned; a value from the environment wins", async () => {
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    const cluster = await TestCluster.start(1);
    try {
      const n = cluster.nodes[0]!;
      // The PID the harness spawned is the node that answers, and its environment now has the setting.
      expect(environ(n.proc!.pid)).toContain(`MIMALLOC_PURGE_DELAY=${PURGE_DELAY_MS}`);
      expect(environ(n.proc!.pid)).toContain(`BUN_JSC_forceRAMSize=${GC_RAM_BYTES}`);
      expect(environ(n.proc!.pid)).toContain(`MIMALLOC_PURGE_HOLES_MIN_INTERVAL=${HOLES_SWEEP_MS}`);
      expect((await n.status()).nodeId).toBe("n1");
      const other = await cluster.add([], { MIMALLOC_PURGE_DELAY: "250" });
      expect(environ(other.proc!.pid).filter((e) => e.startsWith("MIMALLOC_PURGE_DELAY="))).toEqual(["MIMALLOC_PURGE_DELAY=250"]);
      expect(environ(other.proc!.pid)).toContain(`BUN_JSC_forceRAMSize=${GC_RAM_BYTES}`);
    } finally {
      await cluster.stop();
    }
  });

  test("a single node on its own (on loopback: no login, said at start) is a working store, and keeps its id and data across restarts", async () => {
    const cluster = await TestCluster.start(1, { replicationFactor: 3 });
    try {
      const [n] = cluster.nodes;
      // The quick start: bound to loopback (AUTH=auto), it asks for no login, and says so at start.
      expect(n!.logTail(200)).toContain("no login required: this node binds only loopback");
      expect(await getAnswer(`${n!.url}/api/me`, "me")).toMatchObject({ user: null, auth: "off" });
      const data = randomBytes(2_500_000);
      const body = await answer(await put(n!.url, "docs/report.pdf", data), "putFile", 201);
      expect(body.replicationFactor).toBe(1);
      expect(body.copies).toBe(1);
      const dirs = await getAnswer(`${n!.url}/api/files/`, "getFile");
      expect(dirs.entries.map((e) => [e.name, e.kind])).toEqual([["docs", "dir"]]);
      await n!.kill();
      await cluster.restart(n!);
      expect((await n!.status()).nodeId).toBe("n1");
      expect(sha256(await getBytes(n!.url, "docs/report.pdf"))).toBe(sha256(data));
    } finally {
      await cluster.stop();
    }
  });

  test("a node whose seeds never answered refuses writes instead of counting its lone copy as a quorum", async () => {
    const dir = tmp();
    const node = new TestNode("lonely", join(dir, "lonely"), await freePort(), await freePort(), await freePort(), {
      REPLICATION_FACTOR: "3",
      LOG_LEVEL: "warn",
    });
    node.start([`127.0.0.1:${await freePort()}`]); // a seed nobody listens on
    try {
      await node.waitReady();
      const body = await errorAnswer(await put(node.url, "x.txt", "hello"), 503);
      expect(body.code).toBe("not_joined");
      expect(body.error).toContain("nothing was stored");
      const mk = await fetch(`${node.url}/api/mkdir`, {
        method: "POST",
        body: JSON.stringify({ path: "d" }),
        headers: { "content-type": "application/json" },
      });
      expect(mk.status).toBe(503);
    } finally {
      await node.kill();
    }
  });
});

