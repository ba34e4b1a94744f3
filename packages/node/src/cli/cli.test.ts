// End-to-end: the CLI as a separate process against ONE real node process (replication factor 1),
// checking transfers byte for byte and every exit code the client promises.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const PKG = join(import.meta.dir, "../..");

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

async function cli(args: string[], opts: { node?: string; stdin?: Blob } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, ORRERY_NODE: opts.node ?? nodeUrl };
  const p = Bun.spawn([process.execPath, "src/main.ts", ...args], {
    cwd: PKG,
    env,
    stdin: opts.stdin ?? "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).arrayBuffer(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout: Buffer.from(stdout), stderr };
}

const text = (r: Run) => r.stdout.toString("utf8");
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A port the OS just handed out and released: free unless something grabs it in between. */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let nodeUrl = "http://127.0.0.1:1";
let work: string;
let node: Subprocess<"ignore", "pipe", "pipe"> | undefined;
let nodeOutput: Promise<string> = Promise.resolve("");

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "orrery-cli-"));
});

afterAll(async () => {
  if (node) {
    node.kill("SIGTERM");
    const stopped = await Promise.race([node.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
    if (!stopped) node.kill("SIGKILL");
  }
  await rm(work, { recursive: true, force: true });
});

describe("without a node", () => {
  test("unknown command → 2 with the usage", async () => {
    const r = await cli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("orrery: unknown command 'frobnicate'");
    expect(r.stderr).toContain("usage: orrery");
  });

  test("unknown option and missing argument → 2", async () => {
    expect((await cli(["ls", "--bogus"])).code).toBe(2);
    expect((await cli(["put", "only-one"])).code).toBe(2);
  });

  test("--help → 0 with the usage on stdout", async () => {
    const r = await cli(["ls", "--help"]);
    expect(r.code).toBe(0);
    expect(text(r)).toContain("usage: orrery");
  });

  test("unreachable node → 3, naming the URL", async () => {
    const url = `http://127.0.0.1:${await freeTcpPort()}`;
    const r = await cli(["ls", "/"], { node: url });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(url);
  });

  test("missing local file → 4, before any request", async () => {
    const r = await cli(["put", join(work, "does-not-exist.bin"), "/x.bin"], { node: "http://127.0.0.1:1" });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("does-not-exist.bin: no such file");
  });
});

describe("against a real node", () => {
  const blob = randomBytes(5 * 1024 * 1024 + 12345);
  let blobPath: string;

  beforeAll(async () => {
    blobPath = join(work, "blob.bin");
    await writeFile(blobPath, blob);
    const [http, gossip, transfer] = [await freeTcpPort(), await freeUdpPort(), await freeTcpPort()];
    nodeUrl = `http://127.0.0.1:${http}`;
    node = Bun.spawn([process.execPath, "src/main.ts", "node"], {
      cwd: PKG,
      env: {
        ...process.env,
        DATA_DIR: join(work, "data"),
        HTTP_PORT: String(http),
        GOSSIP_PORT: String(gossip),
        TRANSFER_PORT: String(transfer),
        REPLICATION_FACTOR: "1",
        LOG_LEVEL: "warn",
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    nodeOutput = Promise.all([new Response(node.stdout).text(), new Response(node.stderr).text()]).then(([o, e]) => o + e);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await fetch(`${nodeUrl}/status`).then((r) => r.ok, () => false);
      if (up) break;
      if (node.exitCode !== null || Date.now() > deadline) {
        node.kill("SIGKILL");
        throw new Error(`the node did not start (exit ${node.exitCode}):\n${await nodeOutput}`);
      }
      await Bun.sleep(100);
    }
  });

  test("put streams a 5 MB file and the node's sha256 matches", async () => {
    const r = await cli(["put", blobPath, "/docs/blob.bin"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(text(r)).toStartWith("put /docs/blob.bin  5.0 MiB in ");

    const j = await cli(["put", "--json", blobPath, "docs/copy.bin", "--durability", "fast"]);
    expect(j.code).toBe(0);
    const result = JSON.parse(text(j));
    expect(result).toMatchObject({ path: "/docs/copy.bin", size: blob.length, sha256: sha256(blob), durability: "fast", copies: 1 });
  });

  test("put from stdin, and into a directory (trailing slash keeps the local name)", async () => {
    const r = await cli(["put", "-", "/docs/stdin.txt"], { stdin: new Blob(["hello from stdin\n"]) });
    expect(r.code).toBe(0);
    const into = await cli(["put", blobPath, "/docs/"]);
    expect(into.code).toBe(0);
    expect(text(into)).toStartWith("put /docs/blob.bin ");
    const back = await cli(["get", "/docs/stdin.txt", "-"]);
    expect(text(back)).toBe("hello from stdin\n");
  });

  test("ls shows a table, and --json the node's listing", async () => {
    const root = await cli(["ls"]);
    expect(root.code).toBe(0);
    expect(text(root)).toMatch(/^SIZE +MODIFIED +NAME\n +- +\d{4}-\d\d-\d\d \d\d:\d\d +docs\/\n$/);

    const docs = await cli(["ls", "/docs"]);
    expect(text(docs)).toMatch(/5\.0 MiB +\d{4}-\d\d-\d\d \d\d:\d\d +blob\.bin/);
    expect(text(docs)).toMatch(/17 B +\S+ \S+ +stdin\.txt/);

    const j = JSON.parse(text(await cli(["ls", "--json", "docs/"])));
    expect(j.kind).toBe("dir");
    expect(j.more).toBe(false);
    expect(j.entries.map((e: { name: string }) => e.name).sort()).toEqual(["blob.bin", "copy.bin", "stdin.txt"]);
    expect(j.entries.find((e: { name: string }) => e.name === "blob.bin")).toMatchObject({ kind: "file", size: blob.length });

    const one = await cli(["ls", "/docs/blob.bin"]);
    expect(one.code).toBe(0);
    expect(text(one)).toContain("blob.bin");
  });

  test("find prints the paths below a folder whose name holds the text, at any depth; --json the entries", async () => {
    expect((await cli(["mkdir", "/docs/Blobs/old"])).code).toBe(0);
    const r = await cli(["find", "BLOB", "/docs"]);
    expect(r.code).toBe(0);
    expect(text(r)).toBe("/docs/Blobs/\n/docs/blob.bin\n");
    expect(text(await cli(["find", "old"]))).toBe("/docs/Blobs/old/\n");
    const j = JSON.parse(text(await cli(["find", "--json", "copy"])));
    expect(j).toHaveLength(1);
    expect(j[0]).toMatchObject({ path: "/docs/copy.bin", kind: "file", size: blob.length });
    expect(text(await cli(["find", "nothing-like-this"]))).toBe("");
    expect((await cli(["find"])).code).toBe(2);
  });

  test("get writes the same bytes, through a .part file that is gone afterwards", async () => {
    const dest = join(work, "out.bin");
    const r = await cli(["get", "/docs/blob.bin", dest]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(Buffer.compare(Buffer.from(await Bun.file(dest).arrayBuffer()), blob)).toBe(0);
    expect((await readdir(work)).filter((f) => f.endsWith(".part"))).toEqual([]);
  });

  test("get - writes the bytes to stdout", async () => {
    const r = await cli(["get", "/docs/blob.bin", "-"]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(blob.length);
    expect(Buffer.compare(r.stdout, blob)).toBe(0);
  });

  test("get of a missing remote → 1 with the node's message and code, and no local file", async () => {
    const dest = join(work, "missing.bin");
    const r = await cli(["get", "/docs/missing.bin", dest]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^orrery: .+ \([a-z_]+\)\n$/);
    expect(await Bun.file(dest).exists()).toBe(false);
  });

  test("get into an unwritable destination → 4", async () => {
    const r = await cli(["get", "/docs/blob.bin", join(work, "no-such-dir", "x.bin")]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("cannot write");
  });

  test("mkdir creates, and again is not an error", async () => {
    const r = await cli(["mkdir", "/archive/2024"]);
    expect(r.code).toBe(0);
    expect(text(r)).toBe("created /archive/2024/\n");
    const again = await cli(["mkdir", "--json", "archive/2024/"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(text(again))).toMatchObject({ path: "/archive/2024", created: false });
  });

  test("mv moves; onto an existing file only with --overwrite", async () => {
    const r = await cli(["mv", "/docs/blob.bin", "/archive/2024/blob.bin"]);
    expect(r.code).toBe(0);
    expect(text(r)).toBe("moved /docs/blob.bin -> /archive/2024/blob.bin\n");
    expect((await cli(["get", "/docs/blob.bin", "-"])).code).toBe(1);
    expect(sha256((await cli(["get", "/archive/2024/blob.bin", "-"])).stdout)).toBe(sha256(blob));

    const clash = await cli(["mv", "/docs/copy.bin", "/archive/2024/blob.bin"]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain("--overwrite");
    expect((await cli(["mv", "/docs/copy.bin", "/archive/2024/blob.bin", "--overwrite"])).code).toBe(0);
  });

  test("rm: a file; a non-empty directory only with --recursive", async () => {
    expect((await cli(["rm", "/docs/stdin.txt"])).code).toBe(0);
    const refused = await cli(["rm", "/archive"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--recursive");
    const r = await cli(["rm", "--recursive", "/archive"]);
    expect(r.code).toBe(0);
    expect(text(r)).toBe("deleted /archive\n");
    const j = JSON.parse(text(await cli(["ls", "--json", "/"])));
    expect(j.entries.map((e: { name: string }) => e.name)).not.toContain("archive");
    // A file and a folder of one name: `/pair/` is the folder, `/pair` the file; each goes alone.
    expect((await cli(["put", "-", "/pair"], { stdin: new Blob(["file"]) })).code).toBe(0);
    expect((await cli(["put", "-", "/pair/inside"], { stdin: new Blob(["in"]) })).code).toBe(0);
    expect((await cli(["rm", "--recursive", "/pair/"])).code).toBe(0);
    const left = JSON.parse(text(await cli(["ls", "--json", "/"]))).entries.filter((e: { name: string }) => e.name === "pair");
    expect(left.map((e: { kind: string }) => e.kind)).toEqual(["file"]);
  });

  test("status: --json holds both answers; the table names the member", async () => {
    const j = await cli(["status", "--json"]);
    expect(j.code).toBe(0);
    const { status, cluster, nodes } = JSON.parse(text(j));
    expect(nodes.members[0].status.nodeId).toBe(status.nodeId);
    expect(nodes.members[0].health.underReplicatedChunks).toBe(0);
    expect(status.replicationFactor).toBe(1);
    expect(typeof status.nodeId).toBe("string");
    expect(status.disk.totalBytes).toBeGreaterThan(0);
    expect(cluster.self).toBe(status.nodeId);
    expect(cluster.members).toHaveLength(1);
    expect(cluster.members[0]).toMatchObject({ id: status.nodeId, state: "alive", httpPort: Number(new URL(nodeUrl).port) });

    const t = await cli(["status"]);
    expect(t.code).toBe(0);
    expect(text(t)).toContain(`${status.nodeId} *`);
    expect(text(t)).toContain("every chunk has its copies");
    expect(text(t)).toMatch(/DISK\s+CHUNKS\s+QUEUE\s+SHORT/);
    expect(text(t)).toMatch(/\[[█░]{12}\]\s+\d+% of /); // this member's capacity bar
    expect(text(t)).toMatch(/disk +\[[█░]+\] +\d+%/);
    expect(text(t)).toMatch(/MEMBER +ADDRESS +STATE +INCARNATION/);
  });

  test("put leaves the type to the node: from the name's extension, else the first bytes", async () => {
    await writeFile(join(work, "page.html"), "<p>hi</p>");
    await writeFile(join(work, "picture"), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(100)]));
    expect((await cli(["put", join(work, "page.html"), "/typed/"])).code).toBe(0);
    expect((await cli(["put", join(work, "picture"), "/typed/"])).code).toBe(0);
    const typeOf = async (path: string) => (await fetch(`${nodeUrl}/api/files/typed/${path}`, { method: "HEAD" })).headers.get("content-type");
    expect(await typeOf("page.html")).toStartWith("text/html");
    expect(await typeOf("picture")).toBe("image/png");
  });
});
