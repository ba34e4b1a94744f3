// Fault test: a network partition {n1,n2} | {n3,n4} that lasts longer than the suspicion timeout,
// with quorum writes on both sides (new files, an overwrite of the same path on each side, a delete
// on one side). After healing: both sides' writes are everywhere, the same path holds the write with
// the highest acknowledged version (last writer wins), no acknowledged write is lost, the deleted
// file stays deleted, and every chunk gets back to 3 copies on live nodes.
import { answer, getAnswer } from "../harness/api.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { randomBytes, sha256, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";
import { FAULT_ENV, heal, liveCopies, partition, pause, statesAt, tryPut, tryRead } from "./util.ts";

const clusters: TestCluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

/** Garbage collection at test speed: tombstones and unreferenced chunks may go seconds after everyone has seen them. */
/** ringSettleMs with RING_SETTLE_S=2 and the harness's SYNC_INTERVAL_MS=1000. */
const RING_SETTLE_MS = 6000;
const FAST_GC = { GC_INTERVAL_S: "0.5", GC_MIN_TOMBSTONE_AGE_S: "1", GC_MIN_CHUNK_AGE_S: "5" };

interface Ack {
  op: "put" | "delete";
  path: string;
  /** SHA-256 of the content written (puts only). */
  sha?: string;
  chunks: string[];
  version: string;
  via: string;
  phase: "before" | "side A" | "side B";
}

async function scenario(gc: boolean): Promise<void> {
  const tag = gc ? "partition (fast GC)" : "partition";
  const c = await TestCluster.start(4, { replicationFactor: 3, chunkSizeMb: 0.25, env: { ...FAULT_ENV, ...(gc ? FAST_GC : {}), RING_SETTLE_S: "2" } });
  clusters.push(c);
  const [n1, n2, n3, n4] = c.nodes as [TestNode, TestNode, TestNode, TestNode];
  const acks: Ack[] = [];

  const write = async (node: TestNode, path: string, data: Uint8Array<ArrayBuffer>, phase: Ack["phase"]) => {
    const r = await tryPut(node.url, path, data);
    if (r.status !== 201) throw new Error(`PUT ${path} via ${node.id} (${phase}): ${r.status} ${JSON.stringify(r.body ?? r.error)}`);
    expect(r.body.sha256).toBe(sha256(data));
    expect(r.body.copies).toBeGreaterThanOrEqual(2);
    acks.push({ op: "put", path, sha: sha256(data), chunks: r.body.chunks, version: r.body.version, via: node.id, phase });
  };
  const remove = async (node: TestNode, path: string, phase: Ack["phase"]) => {
    const res = await fetch(`${node.url}/api/files/${path}`, { method: "DELETE", signal: AbortSignal.timeout(30_000) });
    const body = await answer(res, "deleteFile").catch((err: Error) => {
      throw new Error(`DELETE ${path} via ${node.id} (${phase}): ${err.message}`);
    });
    acks.push({ op: "delete", path, chunks: [], version: body.version, via: node.id, phase });
  };
  const sizeFor = (i: number) => 1000 + ((i * 104_729) % 700_000);

  // Before the partition: some files, among them shared.txt and doomed.txt, all acknowledged.
  for (let i = 0; i < 6; i++) await write(c.nodes[i % 4]!, `pre/f${i}.bin`, randomBytes(sizeFor(i)), "before");
  await write(n1, "shared.txt", randomBytes(300_000), "before");
  await write(n3, "doomed.txt", randomBytes(200_000), "before");
  await waitFor(
    async () => {
      for (const n of c.nodes) for (const p of ["shared.txt", "doomed.txt"]) if ((await tryRead(n.url, p)).status !== 200) return false;
      return true;
    },
    20_000,
    "every node to see shared.txt and doomed.txt",
  );
  const preChunks = new Set(acks.flatMap((a) => a.chunks));
  await waitFor(
    () => {
      const copies = liveCopies(c.nodes);
      return [...preChunks].every((id) => (copies.get(id) ?? 0) >= 3);
    },
    60_000,
    "3 copies of every chunk written before the partition",
    250,
  );

  // Partition, and wait until each side has declared the other side dead.
  const sideA = [n1, n2];
  const sideB = [n3, n4];
  const partitionedAt = Date.now();
  await partition(sideA, sideB);
  await waitFor(
    async () => {
      for (const [mine, other] of [
        [sideA, sideB],
        [sideB, sideA],
      ] as const) {
        for (const observer of mine) {
          const states = await statesAt(observer);
          if (mine.some((m) => states.get(m.id) !== "alive")) return false;
          if (other.some((m) => states.get(m.id) !== "dead")) return false;
        }
      }
      return true;
    },
    45_000,
    "each side to declare the other side dead",
  );
  const deadAt = Date.now();
  console.log(`${tag}: both sides declared the other dead after ${deadAt - partitionedAt} ms`);
  // For the ring-settle window after the ring changed (max(RING_SETTLE_S, 6 × SYNC_INTERVAL_MS) = 6 s here),
  // quorums must also reach the owners under the ring before it, on the other side (joint quorums): each side
  // accepts writes of its own once the window has passed.
  await pause(RING_SETTLE_MS + 1000);

  // Side A: its own new files, and an overwrite of shared.txt.
  for (let i = 0; i < 4; i++) await write(sideA[i % 2]!, `a/f${i}.bin`, randomBytes(sizeFor(10 + i)), "side A");
  await write(n2, "shared.txt", randomBytes(260_000), "side A");
  // Side B: its own new files, the delete of doomed.txt, then (later in wall time) shared.txt again.
  for (let i = 0; i < 4; i++) await write(sideB[i % 2]!, `b/f${i}.bin`, randomBytes(sizeFor(20 + i)), "side B");
  await remove(n4, "doomed.txt", "side B");
  await pause(50); // wall-clock order of the two overwrites does not hinge on the same millisecond
  await write(n3, "shared.txt", randomBytes(280_000), "side B");

  // The sides really are apart: each serves its own view.
  const sharedA = acks.find((a) => a.path === "shared.txt" && a.phase === "side A")!;
  const sharedB = acks.find((a) => a.path === "shared.txt" && a.phase === "side B")!;
  for (const n of sideA) {
    expect((await tryRead(n.url, "shared.txt")).sha).toBe(sharedA.sha!);
    expect((await tryRead(n.url, "doomed.txt")).status).toBe(200);
    expect((await tryRead(n.url, "b/f0.bin")).status).toBe(404);
  }
  for (const n of sideB) {
    expect((await tryRead(n.url, "shared.txt")).sha).toBe(sharedB.sha!);
    expect((await tryRead(n.url, "doomed.txt")).status).toBe(404);
    expect((await tryRead(n.url, "a/f0.bin")).status).toBe(404);
  }
  // Keep the sides apart a while longer (several anti-entropy and dead-member probe rounds, which the
  // partition must refuse), then check they are still apart.
  await pause(Math.max(0, deadAt + 5000 - Date.now()));
  for (const n of sideA) expect((await statesAt(n)).get("n3")).toBe("dead");
  for (const n of sideB) expect((await statesAt(n)).get("n1")).toBe("dead");
  if (gc) {
    // Side B's tombstone is older than GC_MIN_TOMBSTONE_AGE_S by now, but side A has not seen it: it must be kept.
    for (const n of sideB) expect((await n.status()).files.tombstones).toBeGreaterThanOrEqual(1);
  }
  const partitionMs = Date.now() - partitionedAt;

  // Heal.
  const healedAt = Date.now();
  await heal(c.nodes);
  await c.waitForMembers(4, 60_000);
  console.log(`${tag}: healed; all four alive everywhere after ${Date.now() - healedAt} ms`);

  // Expected final state: per path, the acknowledged operation with the highest version.
  const latest = new Map<string, Ack>();
  for (const a of acks) {
    const cur = latest.get(a.path);
    if (!cur || a.version > cur.version) latest.set(a.path, a);
  }
  expect(latest.get("shared.txt")).toBe(sharedB);
  expect(latest.get("doomed.txt")!.op).toBe("delete");
  const liveFiles = [...latest.values()].filter((a) => a.op === "put");

  const mismatches = async (): Promise<string[]> => {
    const bad: string[] = [];
    for (const n of c.nodes) {
      for (const f of liveFiles) {
        const r = await tryRead(n.url, f.path);
        if (r.status !== 200 || r.sha !== f.sha || r.version !== f.version) {
          bad.push(`${n.id}:${f.path} → ${r.status} ${r.version ?? ""} (want ${f.version})`);
        }
      }
      for (const d of [...latest.values()].filter((a) => a.op === "delete")) {
        const r = await tryRead(n.url, d.path);
        if (r.status !== 404) bad.push(`${n.id}:${d.path} (deleted) → ${r.status} ${r.version ?? ""}`);
      }
    }
    return bad;
  };
  let last: string[] = [];
  await waitFor(
    async () => {
      last = await mismatches();
      return last.length === 0;
    },
    60_000,
    "every node to serve every acknowledged write (and 404 for deletes)",
    250,
  ).catch((err) => {
    throw new Error(`${err}\nstill wrong: ${last.join("; ")}\n${c.logs()}`);
  });
  console.log(`${tag}: every node converged ${Date.now() - healedAt} ms after healing`);

  if (gc) {
    // While the other side was dead, GC must have held back; now the tombstone may be purged everywhere
    // (every member has seen it). After that the delete must still hold.
    const tombstones = async () => Promise.all(c.nodes.map(async (n) => (await n.status()).files.tombstones));
    const purged = await waitFor(async () => (await tombstones()).every((t) => t === 0), 30_000, "tombstones to be purged", 250).then(
      () => true,
      () => false,
    );
    console.log(`${tag}: tombstones ${purged ? "purged on every node" : `not purged within 30 s (${await tombstones()})`} ${Date.now() - healedAt} ms after healing`);
  }

  // Several more anti-entropy rounds (SYNC_INTERVAL_MS=1000): the delete stays, nothing regresses.
  await pause(4000);
  expect(await mismatches()).toEqual([]);
  for (const n of c.nodes) {
    const names = (await getAnswer(`${n.url}/api/files/`, "getFile")).entries.map((e) => e.name);
    expect(names).not.toContain("doomed.txt");
    expect(names).toContain("shared.txt");
  }

  // Every chunk of every live acknowledged file reaches 3 copies on live nodes (writes made during the
  // partition had only the 2 nodes of their side; the placement check and queue make the third).
  const chunks = new Set(liveFiles.flatMap((f) => f.chunks));
  const under = () => {
    const copies = liveCopies(c.nodes);
    return [...chunks].filter((id) => (copies.get(id) ?? 0) < 3);
  };
  await waitFor(() => under().length === 0, 90_000, "3 live copies of every chunk of every live file", 250).catch((err) => {
    throw new Error(`${err}\n${under().length} chunk(s) under 3 copies: ${under().slice(0, 5).join(", ")}\n${c.logs()}`);
  });
  console.log(`${tag}: every chunk at ≥ 3 live copies ${Date.now() - healedAt} ms after healing`);
  expect(await mismatches()).toEqual([]);

  const byPhase = (p: Ack["phase"]) => acks.filter((a) => a.phase === p).length;
  console.log(
    `${tag}: ${acks.length} acknowledged writes (${byPhase("before")} before, ${byPhase("side A")} on side A, ` +
      `${byPhase("side B")} on side B during a ${partitionMs} ms partition), ${liveFiles.length} live files, ` +
      `${chunks.size} chunks, shared.txt = ${sharedB.version} (side B), lost: ${(await mismatches()).length}`,
  );
}

describe("partition", () => {
  test(
    "{n1,n2} | {n3,n4} beyond the suspicion timeout, writes on both sides: after healing nothing acknowledged is lost and deletes stay deleted",
    () => scenario(false),
    240_000,
  );
  test(
    "the same with garbage collection at test speed: the purged tombstone does not let the delete come back",
    () => scenario(true),
    240_000,
  );
});
