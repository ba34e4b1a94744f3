// Every response with a known length carries Content-Length (issue 12): Bun.serve dropped a handler's
// Content-Length on streamed bodies and sent them chunked, so s3cmd crashed, boto3 saw no length and
// browsers showed no progress. Checked on the raw bytes of the response head, since fetch hides framing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { freePort } from "../harness/ports.ts";
import { put, randomBytes, sha256, TestCluster } from "../harness/cluster.ts";
import { signedFetch, signedHeaders } from "../s3/raw-client.ts";

const creds = { accessKey: "CLTESTKEY", secretKey: "cl-test-secret-key-0123456789" };
let cluster: TestCluster;
let httpPort: number;
let s3Port: number;
const small = randomBytes(300 * 1024);
const big = randomBytes(5 * 1024 * 1024 + 12345);

interface RawResponse {
  status: number;
  head: string;
  headers: Map<string, string>;
  body: Buffer;
}

/** One request on its own connection; the response as sent, read until the server closes. */
function raw(port: number, request: string | Buffer, onData?: (sofar: Buffer, write: (b: string | Buffer) => void) => void): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const parts: Buffer[] = [];
    socket.on("data", (d: Buffer) => {
      parts.push(d);
      onData?.(Buffer.concat(parts), (b) => socket.write(b));
    });
    socket.on("error", reject);
    socket.on("end", () => {
      let all = Buffer.concat(parts);
      // Skip an interim 100 Continue.
      while (all.subarray(0, 12).toString() === "HTTP/1.1 100") all = all.subarray(all.indexOf("\r\n\r\n") + 4);
      const split = all.indexOf("\r\n\r\n");
      const head = all.subarray(0, split).toString("latin1");
      const headers = new Map<string, string>();
      for (const line of head.split("\r\n").slice(1)) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        headers.set(name, headers.has(name) ? `${headers.get(name)}, ${line.slice(colon + 1).trim()}` : line.slice(colon + 1).trim());
      }
      resolve({ status: Number(head.split(" ")[1]), head, headers, body: all.subarray(split + 4) });
    });
    socket.write(request);
  });
}

const request = (method: string, target: string, headers: Record<string, string> = {}) =>
  `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}Connection: close\r\n\r\n`;

/** A sized answer: Content-Length as given, no chunked framing, and exactly that many body bytes. */
function expectSized(res: RawResponse, expected: Uint8Array, status = 200): void {
  expect({ status: res.status, contentLength: res.headers.get("content-length"), te: res.headers.get("transfer-encoding") }).toEqual({
    status,
    contentLength: String(expected.byteLength),
    te: undefined,
  });
  expect(res.body.byteLength).toBe(expected.byteLength);
  expect(sha256(res.body)).toBe(sha256(expected));
}

beforeAll(async () => {
  s3Port = await freePort();
  cluster = await TestCluster.start(1, { replicationFactor: 1, env: { S3_PORT: String(s3Port), S3_CREDENTIALS: `${creds.accessKey}:${creds.secretKey}` } });
  httpPort = cluster.nodes[0]!.httpPort;
  const url = cluster.nodes[0]!.url;
  expect((await put(url, "cl/small.bin", small)).status).toBe(201);
  expect((await put(url, "cl/big.bin", big)).status).toBe(201);
  const s3 = `http://127.0.0.1:${s3Port}`;
  expect((await signedFetch("PUT", `${s3}/clbucket`, creds)).status).toBe(200);
  expect((await signedFetch("PUT", `${s3}/clbucket/small.bin`, creds, small)).status).toBe(200);
  expect((await signedFetch("PUT", `${s3}/clbucket/big.bin`, creds, big)).status).toBe(200);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

const cases: Array<[string, Uint8Array]> = [
  ["small.bin", small],
  ["big.bin", big],
];

describe("GET carries Content-Length, not chunked framing", () => {
  test.each(cases)("files API: %s, whole and a range", async (name, data) => {
    expectSized(await raw(httpPort, request("GET", `/api/files/cl/${name}`)), data);
    const range = await raw(httpPort, request("GET", `/api/files/cl/${name}`, { Range: "bytes=1000-299999" }));
    expectSized(range, data.subarray(1000, 300_000), 206);
    expect(range.headers.get("content-range")).toBe(`bytes 1000-299999/${data.byteLength}`);
  });

  test.each(cases)("WebDAV: %s, whole and a range", async (name, data) => {
    expectSized(await raw(httpPort, request("GET", `/dav/cl/${name}`)), data);
    expectSized(await raw(httpPort, request("GET", `/dav/cl/${name}`, { Range: "bytes=-4097" })), data.subarray(data.byteLength - 4097), 206);
  });

  test.each(cases)("S3: %s, whole and a range", async (name, data) => {
    const target = `/clbucket/${name}`;
    const url = `http://127.0.0.1:${s3Port}${target}`;
    const head = (extra: Record<string, string> = {}) => {
      const h = signedHeaders("GET", url, creds, extra);
      return `GET ${target} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join("")}Connection: close\r\n\r\n`;
    };
    expectSized(await raw(s3Port, head()), data);
    expectSized(await raw(s3Port, head({ range: "bytes=5-262148" })), data.subarray(5, 262_149), 206);
  });

  test("one read path: a range past the end is 416 with Content-Range at every API, each in its own error format", async () => {
    const size = big.byteLength;
    const past = { Range: `bytes=${size}-` };
    const files = await raw(httpPort, request("GET", "/api/files/cl/big.bin", past));
    expect([files.status, files.headers.get("content-range"), JSON.parse(files.body.toString()).code]).toEqual([416, `bytes */${size}`, "range_not_satisfiable"]);
    const dav = await raw(httpPort, request("GET", "/dav/cl/big.bin", past));
    expect([dav.status, dav.headers.get("content-range"), dav.headers.get("content-type")]).toEqual([416, `bytes */${size}`, "text/plain; charset=utf-8"]);
    const url = `http://127.0.0.1:${s3Port}/clbucket/big.bin`;
    const h = signedHeaders("GET", url, creds, { range: `bytes=${size}-` });
    const s3 = await raw(s3Port, `GET /clbucket/big.bin HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join("")}Connection: close\r\n\r\n`);
    expect([s3.status, s3.headers.get("content-range")]).toEqual([416, `bytes */${size}`]);
    expect(s3.body.toString()).toContain("<Code>InvalidRange</Code>");
    // HEAD answers as GET would, without the bytes; If-Range with another ETag serves the whole file.
    const headRes = await raw(httpPort, request("HEAD", "/dav/cl/big.bin", { Range: "bytes=0-9" }));
    expect([headRes.status, headRes.headers.get("content-length"), headRes.body.byteLength]).toEqual([206, "10", 0]);
    expectSized(await raw(httpPort, request("GET", "/api/files/cl/big.bin", { Range: "bytes=0-9", "If-Range": '"stale"' })), big);
  });

  test("JSON answers carry Content-Length", async () => {
    for (const target of ["/api/health", "/api/files/cl/", "/api/stat/cl/big.bin", "/api/files/cl/missing.bin"]) {
      const res = await raw(httpPort, request("GET", target));
      expect({ target, te: res.headers.get("transfer-encoding"), length: res.headers.get("content-length") }).toEqual({
        target,
        te: undefined,
        length: String(res.body.byteLength),
      });
      JSON.parse(res.body.toString());
    }
  });
});

test("an upload with Expect: 100-continue waits for 100 Continue, then stores the body", async () => {
  const data = randomBytes(700 * 1024);
  let sent = false;
  const res = await raw(
    httpPort,
    `PUT /api/files/cl/continued.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${data.byteLength}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
    (sofar, write) => {
      if (!sent && sofar.toString("latin1").startsWith("HTTP/1.1 100 Continue\r\n")) {
        sent = true;
        write(Buffer.from(data));
      }
    },
  );
  expect(sent).toBe(true);
  expect(res.status).toBe(201);
  expect(JSON.parse(res.body.toString()).sha256).toBe(sha256(data));
  expectSized(await raw(httpPort, request("GET", "/api/files/cl/continued.bin")), data);
});

test("the event stream (SSE) streams chunked, event after event", async () => {
  const socket = connect(httpPort, "127.0.0.1");
  let got = "";
  await new Promise<void>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("data", (d: Buffer) => {
      got += d.toString();
      if (got.includes("event: health")) resolve();
    });
    socket.write(request("GET", "/api/events").replace("Connection: close\r\n", ""));
  });
  expect(got).toStartWith("HTTP/1.1 200");
  expect(got.toLowerCase()).toContain("content-type: text/event-stream");
  expect(got.toLowerCase()).toContain("transfer-encoding: chunked");
  // The stream keeps going: the next health snapshot comes 2 s later on the same response.
  const first = got.split("event: health").length;
  const until = Date.now() + 10_000;
  while (got.split("event: health").length === first && Date.now() < until) await Bun.sleep(50);
  expect(got.split("event: health").length).toBeGreaterThan(first);
  socket.destroy();
  // (That the stream stops on the node's side is src/gateway/event-stream.test.ts.)
  expect((await fetch(`${cluster.nodes[0]!.url}/api/health`)).status).toBe(200);
}, 30_000);
