// Issue 3, fault tests 4 and 5: a flipped byte on disk is detected (by a read, or by the scrub) and
// repaired from a replica without the client ever seeing bad bytes; a node whose disk is full
// refuses chunks, writes still reach quorum through the others, and the full node stays healthy.
import { answer, errorAnswer, getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openSync, readSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { getBytes, put, randomBytes, sha256, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start(3, {
    chunkSizeMb: 0.25,
    env: { SCRUB_PAUSE_S: "1", SCRUB_BANDWIDTH_MBPS: "200" },
  });
});
afterAll(async () => {
  await cluster?.stop();
});

const chunkPath = (n: TestNode, id: string) => join(n.dataDir, "chunks", id.slice(0, 2), id.slice(2, 4), id);

function flipByte(file: string, offset: number): void {
  const fd = openSync(file, "r+");
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, offset);
  b[0] = b[0]! ^ 0xff;
  writeSync(fd, b, 0, 1, offset);
  closeSync(fd);
}

const fileSha = async (file: string) => sha256(new Uint8Array(await Bun.file(file).arrayBuffer()));

describe("corruption", () => {
  test("a corrupt chunk met by a read fails over to a good replica and is repaired", async () => {
    const [a, b] = cluster.nodes;
    const data = randomBytes(1024 * 1024);
    const body = await answer(await put(a!.url, "precious.bin", data), "putFile", 201);
    const victim = body.chunks[1]!;
    flipByte(chunkPath(b!, victim), 1234);
    expect(await fileSha(chunkPath(b!, victim))).not.toBe(victim);

    // B's own copy is bad; the client still gets the right bytes.
    expect(sha256(await getBytes(b!.url, "precious.bin"))).toBe(sha256(data));
    // ...and B's copy is replaced by a good one (read repair); the bad one is in quarantine.
    await waitFor(async () => (await fileSha(chunkPath(b!, victim)).catch(() => "")) === victim, 10_000, "read repair on B");
  });

  test("the scrub finds a corrupt copy nobody reads and restores it", async () => {
    const [a, , c] = cluster.nodes;
    const data = randomBytes(600_000);
    const body = await answer(await put(a!.url, "cold.bin", data), "putFile", 201);
    const victim = body.chunks[0]!;
    const before = (await getAnswer(`${c!.url}/api/health`, "health")).scrub.corrupt;
    flipByte(chunkPath(c!, victim), 7);
    await waitFor(
      async () => {
        const h = (await getAnswer(`${c!.url}/api/health`, "health")).scrub;
        return h.corrupt > before && h.repaired > 0;
      },
      20_000,
      "the scrub on C to find and repair the copy",
    );
    expect(await fileSha(chunkPath(c!, victim))).toBe(victim);
    expect(sha256(await getBytes(c!.url, "cold.bin"))).toBe(sha256(data));
  });
});

describe("disk full", () => {
  let full: TestCluster;
  beforeAll(async () => {
    full = await TestCluster.start(2, { chunkSizeMb: 0.25 });
    // The third node's store holds at most 1 MiB: it fills up quickly.
    const n = await full.add();
    await n.kill();
    n.start(full.nodes.slice(0, 2).map((x) => x.gossipAddr), { STORE_QUOTA_MB: "1" });
    await n.waitReady();
    await full.waitForMembers(3);
  });
  afterAll(async () => {
    await full?.stop();
  });

  test("quorum uploads succeed through the other nodes; 'all' gets 507; the full node stays healthy", () =>
    full.explain(async () => {
      const [a, b, c] = full.nodes;
      const files: Array<[string, string]> = [];
      for (let i = 0; i < 4; i++) {
        const data = randomBytes(1024 * 1024);
        const res = await put(a!.url, `big-${i}.bin`, data, "quorum");
        expect(res.status, `quorum PUT big-${i}.bin: ${res.status} ${await res.clone().text()}`).toBe(201);
        files.push([`big-${i}.bin`, sha256(data)]);
      }
      const c_bytes = (await c!.status()).chunks.bytes;
      expect(c_bytes).toBeLessThanOrEqual(1024 * 1024);

      const all = await put(b!.url, "must-be-everywhere.bin", randomBytes(1024 * 1024), "all");
      const err = await errorAnswer(all, 507);
      expect(err.code).toBe("store_full");
      expect(err.error).toContain("store is full");

      // The full node keeps serving: status, membership, and reads of everything. Under load a member may be
      // suspected for a moment (probes time out at 100 ms here) and refute it; it must never be declared dead,
      // and every view must settle on three alive members.
      expect(c!.running).toBe(true);
      for (const n of full.nodes) {
        const members = await n.members();
        expect(members.filter((m) => m.state === "dead" || m.state === "left"), `${n.id}'s view`).toEqual([]);
      }
      await full.waitForMembers(3, 15_000);
      // Manifests reach C by push, or by anti-entropy if a push was late; then C serves every file.
      await waitFor(
        async () => (await Promise.all(files.map(([path]) => fetch(`${c!.url}/api/stat/${path}`)))).every((r) => r.ok),
        10_000,
        "C to have the four files' manifests",
      );
      for (const [path, sha] of files) expect(sha256(await getBytes(c!.url, path))).toBe(sha);
    }));
});
