// The change feed of a node that owns none of the folders written to. A write's rows are pushed to the owners of
// its folder only (RF of five here); the other members got them by anti-entropy, later, so a feed on such a node
// announced the change only then (and, once nodes keep only their own partitions, never). While a feed is open
// the node holds a watch of its folder at every member, and the owners forward what they apply below it. The
// watcher, n5, pulls rows from its peers once when it joins and then not for an hour: a change it hears of came
// from the owners.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getAnswer } from "../harness/api.ts";
import { put, type TestCluster, type TestNode } from "../harness/cluster.ts";
import { startWithWalker } from "../harness/walker.ts";

let cluster: TestCluster;
let writer: TestNode;
let watcher: TestNode;

beforeAll(async () => {
  ({ cluster, writer, walker: watcher } = await startWithWalker());
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Writes `root/dN/f.txt` through the writer until one lands in a folder whose owners leave the watcher out. */
async function writeHidden(root: string, from: number): Promise<{ path: string; next: number }> {
  for (let i = from; i < from + 40; i++) {
    const path = `${root}/d${i}/f.txt`;
    expect((await put(writer.url, path, `file ${i}`)).status).toBe(201);
    const stat = await getAnswer(`${writer.url}/api/stat/${path}`, "stat");
    if (!stat.manifestOwners.includes(watcher.id)) return { path, next: i + 1 };
  }
  throw new Error(`no folder of /${root} left the watcher out in 40 tries`);
}

/** A feed of `/root` on the watcher: waits for `ready`, then collects the changed paths (with ":deleted"). */
async function openFeed(root: string) {
  const res = await fetch(`${watcher.url}/api/changes?path=/${root}`);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const seen = () =>
    [...buffered.matchAll(/^event: change\ndata: (.*)$/gm)].map((m) => {
      const c = JSON.parse(m[1]!) as { path: string; deleted: boolean };
      return `${c.path}${c.deleted ? ":deleted" : ""}`;
    });
  const readUntil = async (done: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => undefined)]);
      if (!chunk || chunk.done) break;
      buffered += decoder.decode(chunk.value, { stream: true });
    }
  };
  await readUntil(() => buffered.includes("event: ready"), 10_000);
  expect(buffered).toContain("event: ready");
  return { seen, readUntil, close: () => reader.cancel() };
}

describe("a change feed on a node that owns none of the folders", () => {
  test("hears of writes and deletes through another node at once, from the folders' owners", async () => {
    // The setup: without a feed open, the watcher is not told of a file in a folder it does not own.
    const before = await writeHidden("feedw", 0);
    expect((await fetch(`${watcher.url}/api/files/${before.path}?consistency=local`)).status).toBe(404);

    const feed = await openFeed("feedw");
    const first = await writeHidden("feedw", before.next);
    const second = await writeHidden("feedw", first.next);
    expect((await fetch(`${writer.url}/api/files/${first.path}`, { method: "DELETE" })).status).toBe(200);
    const want = [`/${first.path}`, `/${second.path}`, `/${first.path}:deleted`];
    await feed.readUntil(() => want.every((w) => feed.seen().includes(w)), 10_000);
    expect(feed.seen()).toEqual(expect.arrayContaining(want));
    // Nothing is replayed: the file written before the feed opened is not announced.
    expect(feed.seen()).not.toContain(`/${before.path}`);
    await feed.close();

    // Closed: the members stop forwarding (the watch ended), so the watcher is back to its own rows.
    await Bun.sleep(500);
    const after = await writeHidden("feedw", second.next);
    await Bun.sleep(500);
    expect((await fetch(`${watcher.url}/api/files/${after.path}?consistency=local`)).status).toBe(404);
  });
});
