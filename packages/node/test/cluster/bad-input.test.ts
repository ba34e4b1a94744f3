// Issue 2, scenario 7: hostile or malformed input is rejected with a clear error and never
// crashes a node: unsafe paths, malformed JSON, random UDP datagrams, garbage TCP frames.
import { errorSchema } from "@orrery/api";
import { errorAnswer, getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { getBytes, put, randomBytes, sha256, TestCluster } from "../harness/cluster.ts";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(3, { chunkSizeMb: 1 });
});

afterAll(async () => {
  await cluster?.stop();
});

/** Sends a raw HTTP request (no client-side URL normalisation) and returns status and body. */
function rawHttp(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let data = "";
    sock.on("data", (d) => (data += d.toString("latin1")));
    sock.on("error", reject);
    sock.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
    sock.write(request);
    setTimeout(() => sock.end(), 1500);
  });
}

async function expectAllHealthy() {
  for (const n of cluster.nodes) {
    expect(n.running).toBe(true);
    const res = await fetch(`${n.url}/status`);
    expect(res.status).toBe(200);
  }
  const data = randomBytes(300_000);
  expect((await put(cluster.nodes[0]!.url, "after-abuse.bin", data)).status).toBe(201);
  for (const n of cluster.nodes) expect(sha256(await getBytes(n.url, "after-abuse.bin"))).toBe(sha256(data));
  await cluster.waitForMembers(3);
}

describe("bad input", () => {
  test("unsafe paths are rejected with 400 {error, code}", async () => {
    const port = cluster.nodes[0]!.httpPort;
    const rejected = [
      "/api/files/a%00b",
      "/api/files//etc/passwd",
      "/api/files/a//b",
      "/api/files/a%5cb",
      "/api/files/a%ZZ",
      "/api/files/a%0Ab",
      `/api/files/${"x".repeat(300)}`,
      `/api/files/${"abcdefgh/".repeat(130)}f`,
    ];
    for (const p of rejected) {
      const res = await rawHttp(port, `PUT ${p}?durability=quorum HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`);
      expect({ p, status: res.status }).toEqual({ p, status: 400 });
      const body = JSON.parse(res.body);
      expect(typeof body.error).toBe("string");
      expect(body.code).toBe("invalid_path");
    }
    // Dot-segments, raw or percent-encoded, are refused before any handler runs, never resolved.
    for (const p of ["/api/files/../etc/passwd", "/api/files/a/../../etc/passwd", "/api/files/%2e%2e/%2E%2E/etc/passwd"]) {
      const res = await rawHttp(port, `PUT ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`);
      expect({ p, status: res.status }).toEqual({ p, status: 400 });
      expect(JSON.parse(res.body).code).toBe("invalid_path");
    }
    // Paths in JSON bodies do reach the validator, and '..' there is refused.
    for (const path of ["../etc", "a/../../b", "/a/./b", "a\\b"]) {
      const res = await fetch(`${cluster.nodes[0]!.url}/api/mkdir`, {
        method: "POST",
        body: JSON.stringify({ path }),
        headers: { "content-type": "application/json" },
      });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect((await errorAnswer(res, 400)).code).toBe("invalid_path");
    }
    // Nothing was written: the root holds no entry, and no data dir holds a chunk.
    const listing = await getAnswer(`${cluster.nodes[0]!.url}/api/files/`, "getFile");
    expect(listing.entries).toEqual([]);
    expect(cluster.copies().size).toBe(0);
  });

  test("malformed and invalid JSON bodies get 400 with a code", async () => {
    const url = cluster.nodes[1]!.url;
    const cases: Array<[string, string, string]> = [
      ["/api/mkdir", "{not json", "malformed_json"],
      ["/api/mkdir", JSON.stringify({ path: 42 }), "invalid_body"],
      ["/api/mkdir", JSON.stringify({ path: "a/../b" }), "invalid_path"],
      ["/api/move", JSON.stringify({ from: "x" }), "invalid_body"],
    ];
    for (const [path, body, code] of cases) {
      const res = await fetch(`${url}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
      const json = errorSchema.parse(await res.json());
      expect({ path, body, status: res.status, code: json.code }).toEqual({ path, body, status: 400, code });
      expect(json.error.length).toBeGreaterThan(0);
    }
    const bad = await fetch(`${url}/api/files/x?durability=sometimes`, { method: "PUT", body: "x" });
    expect((await errorAnswer(bad, 400)).code).toBe("invalid_durability");
    const missing = await fetch(`${url}/api/files/does/not/exist`);
    expect((await errorAnswer(missing, 404)).code).toBe("not_found");
  });

  test("random-bytes UDP datagrams to the gossip port are dropped", async () => {
    const sock = createSocket("udp4");
    for (const n of cluster.nodes) {
      for (let i = 0; i < 50; i++) {
        const junk = randomBytes(1 + Math.floor(Math.random() * 1400));
        await new Promise<void>((r) => sock.send(junk, n.gossipPort, "127.0.0.1", () => r()));
      }
      const lies = [
        "{}",
        '{"type":"ping"}',
        '{"v":1,"type":"ping","seq":-1,"from":{}}',
        JSON.stringify({ v: 1, type: "alive", id: "x".repeat(100000) }),
        "null",
        "[1,2,3]",
      ];
      for (const l of lies) await new Promise<void>((r) => sock.send(Buffer.from(l), n.gossipPort, "127.0.0.1", () => r()));
    }
    sock.close();
    await Bun.sleep(500);
    await expectAllHealthy();
  });

  test("a garbage TCP frame closes that connection only", async () => {
    const n = cluster.nodes[2]!;
    const closed = await new Promise<boolean>((resolve) => {
      const sock = connect(n.transferPort, "127.0.0.1");
      sock.on("error", () => {});
      sock.on("data", () => {}); // consume the server's ERROR frame so 'end' and 'close' can fire
      sock.on("close", () => resolve(true));
      sock.write(Buffer.from(randomBytes(4096)));
      setTimeout(() => resolve(false), 5000);
    });
    expect(closed).toBe(true);
    // A header that claims a 4 GiB payload must not make the node allocate or wait for it.
    const hostile = Buffer.alloc(12, 0xff);
    hostile[0] = 0x4f;
    hostile[1] = 0x52;
    const closed2 = await new Promise<boolean>((resolve) => {
      const sock = connect(n.transferPort, "127.0.0.1");
      sock.on("error", () => {});
      sock.on("data", () => {}); // consume the server's ERROR frame so 'end' and 'close' can fire
      sock.on("close", () => resolve(true));
      sock.write(hostile);
      setTimeout(() => resolve(false), 5000);
    });
    expect(closed2).toBe(true);
    await expectAllHealthy();
  });
});
