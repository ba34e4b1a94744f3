// Records the bytecode layout profile the build uses (`--bytecode-order`, scripts/build.ts): runs three nodes of
// the compiled executable as a cluster, lets them idle, then sends one node a few files-API requests, and keeps the
// functions that node ran, in the order it first ran them, in scripts/bytecode-order.txt. Bun then lays that
// bytecode out together at the front, so an idle node touches fewer pages of the executable. A profile of an older
// build still applies (unknown functions are skipped); re-record after large changes:
// `pnpm build && bun scripts/bytecode-order.ts [--binary ../../dist/orrery] [--idle-s 40]`.
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BenchNode } from "../bench/cluster.ts";
import { freePort } from "../test/harness/ports.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { binary: { type: "string", default: "../../dist/orrery" }, "idle-s": { type: "string", default: "40" } },
  strict: true,
});
const out = join(import.meta.dir, "bytecode-order.txt");
const root = mkdtempSync(join(tmpdir(), "orrery-order-"));
const nodes: BenchNode[] = [];
for (let i = 1; i <= 3; i++) nodes.push(new BenchNode(`n${i}`, join(root, `n${i}`), join(root, `n${i}.log`), await freePort(), await freePort(), await freePort()));
const env = { CLUSTER_KEY: randomBytes(32).toString("base64url"), LOG_LEVEL: "warn", S3_PORT: "0" };
try {
  nodes.forEach((node, i) =>
    node.start(
      nodes.filter((x) => x !== node).map((x) => x.gossipAddr),
      i === 0 ? { ...env, BUN_BYTECODE_ORDER_OUT: join(root, "order.txt") } : env,
      undefined,
      [resolve(values.binary)],
    ),
  );
  for (const node of nodes) await node.waitReady(60_000);
  for (;;) {
    const { members } = await nodes[0]!.status();
    if (members.alive === 3) break;
    await Bun.sleep(500);
  }
  await Bun.sleep(Number(values["idle-s"]) * 1000);
  // What nearly every node also does: a few writes, reads and listings through the files API.
  const url = nodes[0]!.url;
  for (let i = 0; i < 5; i++) {
    const put = await fetch(`${url}/api/files/order/f${i}.bin`, { method: "PUT", body: randomBytes(4096 * (i + 1)) });
    if (!put.ok) throw new Error(`PUT: ${put.status} ${await put.text()}`);
    const get = await fetch(`${url}/api/files/order/f${i}.bin`);
    if (!get.ok) throw new Error(`GET: ${get.status}`);
    await get.arrayBuffer();
  }
  const list = await fetch(`${url}/api/files/order/`);
  if (!list.ok) throw new Error(`list: ${list.status}`);
  await list.arrayBuffer();
  for (const node of nodes) await node.stop();
  copyFileSync(join(root, "order.txt"), out);
  process.stderr.write(`wrote ${out}\n`);
} finally {
  for (const node of nodes) if (node.running) await node.stop();
  rmSync(root, { recursive: true, force: true });
}
