// GET /api/cluster/history on real nodes: the bytes clients wrote through one node and read through another,
// and what both store, come back added up by whichever node is asked (each samples every 10 s).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { getBytes, put, randomBytes, TestCluster, waitFor } from "../harness/cluster.ts";

interface History {
  stepMs: number;
  points: Array<{ t: number; writeBps: number; readBps: number; storedBytes: number; capacityBytes: number; nodes: number }>;
  missing: string[];
}
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(2, { replicationFactor: 2 });
}, 60_000);
afterAll(() => cluster?.stop());

test("writes through one node and reads through the other show in the history asked of either", async () => {
  const [a, b] = cluster.nodes;
  const data = randomBytes(3 * 1024 * 1024);
  expect((await put(a!.url, "h/file.bin", data)).status).toBe(201);
  expect((await getBytes(b!.url, "h/file.bin")).byteLength).toBe(data.byteLength);
  const history = async (url: string) => (await (await fetch(`${url}/api/cluster/history?minutes=5`)).json()) as History;
  let seen: History | undefined;
  // The samples after the transfers (up to two sample periods) carry their rates.
  const through = (h: History, k: "writeBps" | "readBps") => h.points.reduce((s, p) => s + (p[k] * h.stepMs) / 1000, 0);
  // Once whole steps cover the transfers (up to two sample periods), they carry every byte of them.
  await waitFor(async () => {
    seen = await history(b!.url);
    return through(seen, "writeBps") >= data.byteLength * 0.999 && through(seen, "readBps") >= data.byteLength * 0.999;
  }, 40_000, "written and read bytes in the history");
  const h = seen!;
  expect(h.stepMs).toBe(10_000);
  expect(h.missing).toEqual([]);
  const last = h.points[h.points.length - 1]!;
  expect(last.nodes).toBe(2);
  expect(last.storedBytes).toBeGreaterThanOrEqual(2 * data.byteLength); // a copy on each node
  expect(last.capacityBytes).toBeGreaterThan(0);
  // Bytes per second times the step, summed: what went through (the file's bytes once each way), no more.
  expect(Math.abs(through(h, "writeBps") / data.byteLength - 1)).toBeLessThan(0.001);
  expect(Math.abs(through(h, "readBps") / data.byteLength - 1)).toBeLessThan(0.001);
  // Asked of the other node: the same sums.
  const fromA = await history(a!.url);
  expect(Math.abs(through(fromA, "writeBps") / data.byteLength - 1)).toBeLessThan(0.01);
}, 60_000);

test("a window outside 5..1440 minutes is refused", async () => {
  for (const minutes of ["4", "1441", "x", "60.5"]) {
    const res = await fetch(`${cluster.nodes[0]!.url}/api/cluster/history?minutes=${minutes}`);
    expect({ minutes, status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({ minutes, status: 400, code: "invalid_window" });
  }
});
