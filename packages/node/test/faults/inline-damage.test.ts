// Small files kept in their manifest rows whose bytes are damaged on one node (a bad sector under the database):
// three real nodes. The node's scrub pass at start finds them and puts them back from an owner's copy, and a read
// that comes first does the same before it answers (filesystem/file-system.test.ts shows that path alone); the
// rows are then sound in the database again.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { put, randomBytes, sha256, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
const nodes = () => cluster.nodes as [TestNode, TestNode, TestNode];

beforeAll(async () => {
  cluster = await TestCluster.start(3);
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
});

/** The inline bytes a node's database keeps for a file (base64), or overwrites them when `inline` is given. */
function inlineRow(node: TestNode, path: string, inline?: string): string | null {
  const db = new Database(join(node.dataDir, "orrery.db"));
  try {
    db.run("PRAGMA busy_timeout = 5000");
    if (inline !== undefined) db.run("UPDATE files SET inline = ? WHERE path = ? AND kind = 'file'", [inline, path]);
    return db.query<{ inline: string | null }, [string]>("SELECT inline FROM files WHERE path = ? AND kind = 'file'").get(path)?.inline ?? null;
  } finally {
    db.close();
  }
}

/** Written through n1 and held by every node (each answers it from its own rows). */
async function writeEverywhere(path: string, data: ReturnType<typeof randomBytes>): Promise<void> {
  expect((await put(nodes()[0].url, path, data)).status).toBe(201);
  await waitFor(async () => (await Promise.all(nodes().map(async (n) => (await fetch(`${n.url}/api/files/${path}?consistency=local`)).status === 200))).every(Boolean), 20_000, `${path} on every node`);
}

/** Other bytes of the same length, as canonical base64: only the hash tells them apart. */
const flipped = (inline: string) => Buffer.from(Buffer.from(inline, "base64").map((b, i) => (i === 0 ? b ^ 0xff : b))).toString("base64");

test("rows damaged while a node was down: a read answers the file's bytes, the scrubber puts back the rest", async () => {
  const files = [0, 1, 2].map((i) => ({ path: `damage/f${i}.bin`, data: randomBytes(700 + i * 500) }));
  for (const f of files) await writeEverywhere(f.path, f.data);
  const n2 = nodes()[1];
  await n2.stop(); // the node keeps its database locked while it runs
  const sound = files.map((f) => inlineRow(n2, f.path)!);
  files.forEach((f, i) => inlineRow(n2, f.path, flipped(sound[i]!)));
  expect(files.map((f) => inlineRow(n2, f.path))).not.toEqual(sound);
  await cluster.restart(n2); // its scrub pass starts with it; a read may come first

  const res = await fetch(`${n2.url}/api/files/${files[0]!.path}`);
  expect(res.status).toBe(200);
  expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(files[0]!.data));
  await waitFor(async () => /orrery_scrub_passes_total [1-9]/.test(await (await fetch(`${n2.url}/metrics`)).text()), 30_000, "a scrub pass");
  const metrics = await (await fetch(`${n2.url}/metrics`)).text();
  expect(Number(/orrery_scrub_inline_corrupt_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
  for (const f of files.slice(1)) {
    const got = await fetch(`${n2.url}/api/files/${f.path}?consistency=local`);
    expect(sha256(new Uint8Array(await got.arrayBuffer()))).toBe(sha256(f.data));
  }
  await n2.stop();
  expect(files.map((f) => inlineRow(n2, f.path))).toEqual(sound);
  await cluster.restart(n2);
});
