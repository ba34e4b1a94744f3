import { afterEach, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { selfSignedCertificate } from "../tls/self-signed.ts";
import { lend } from "../util/lent-bytes.ts";
import { type FetchHandler, type FetchServer, remoteAddressOf, serveFetch } from "./http-server.ts";

let server: FetchServer | undefined;
afterEach(async () => {
  await server?.stop(true);
  server = undefined;
});

async function serve(fetch: FetchHandler, guard?: (method: string, target: string) => Response | undefined): Promise<number> {
  server = await serveFetch({ hostname: "127.0.0.1", port: 0, fetch, guard });
  return server.port;
}

/** Sends raw bytes, returns everything the server sent until it closed: the head (as text) and the body. */
function raw(port: number, request: string, onData?: (sofar: string, send: (s: string) => void) => void): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const parts: Buffer[] = [];
    socket.on("data", (d: Buffer) => {
      parts.push(d);
      onData?.(Buffer.concat(parts).toString("latin1"), (s) => socket.write(s));
    });
    socket.on("end", () => {
      const all = Buffer.concat(parts);
      const split = all.indexOf("\r\n\r\n");
      resolve({ head: all.subarray(0, split).toString("latin1").toLowerCase(), body: all.subarray(split + 4) });
    });
    socket.on("error", reject);
    socket.write(request);
  });
}

const get = (port: number, path: string, method = "GET") => raw(port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

/** A body that arrives in `n` pieces of `size` bytes, each after an I/O wait. */
function slowStream(n: number, size: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await Bun.sleep(1);
      if (i++ >= n) return controller.close();
      controller.enqueue(new Uint8Array(size).fill(i));
    },
  });
}

describe("serveFetch", () => {
  test("a streamed body with Content-Length arrives with it, not chunked", async () => {
    const port = await serve(() => new Response(slowStream(10, 30_000), { headers: { "content-length": "300000" } }));
    const { head, body } = await get(port, "/");
    expect(head).toContain("content-length: 300000");
    expect(head).not.toContain("transfer-encoding");
    expect(body.byteLength).toBe(300_000);
  });

  test("a body without Content-Length that is complete in memory is sent with its length", async () => {
    const port = await serve(() => Response.json({ hello: "x".repeat(5000) }));
    const { head, body } = await get(port, "/");
    expect(head).toContain(`content-length: ${body.byteLength}`);
    expect(head).not.toContain("transfer-encoding");
    expect(JSON.parse(body.toString()).hello.length).toBe(5000);
  });

  test("a body without Content-Length that waits on I/O is streamed chunked", async () => {
    const port = await serve(() => new Response(slowStream(3, 10)));
    const { head } = await get(port, "/");
    expect(head).toContain("transfer-encoding: chunked");
    expect(head).not.toContain("content-length");
  });

  test("a body over the measure limit is streamed chunked", async () => {
    const big = new Uint8Array(2 * 1024 * 1024);
    const port = await serve(() => new Response(new ReadableStream({ pull: (c) => (c.enqueue(big.subarray(0, 64 * 1024)), undefined) }).pipeThrough(new TransformStream())));
    const socket = connect(port, "127.0.0.1");
    const head = await new Promise<string>((resolve) => {
      let got = "";
      socket.on("data", (d: Buffer) => {
        got += d.toString("latin1");
        if (got.includes("\r\n\r\n")) resolve(got.slice(0, got.indexOf("\r\n\r\n")).toLowerCase());
      });
      socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    });
    socket.destroy();
    expect(head).toContain("transfer-encoding: chunked");
  });

  test("HEAD answers the headers only; every header and each Set-Cookie goes out", async () => {
    const port = await serve(() => {
      const headers = new Headers({ "content-length": "1234", "x-a": "1" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      return new Response(null, { status: 200, headers });
    });
    const { head, body } = await get(port, "/", "HEAD");
    expect(head).toContain("content-length: 1234");
    expect(head).toContain("x-a: 1");
    expect(head).toContain("set-cookie: a=1");
    expect(head).toContain("set-cookie: b=2");
    expect(body.byteLength).toBe(0);
  });

  test("the Request has the method, the raw target, the headers and the streamed body", async () => {
    let seen: Record<string, unknown> = {};
    const port = await serve(async (req) => {
      seen = { method: req.method, url: req.url, h: req.headers.get("x-h"), body: await req.text() };
      return new Response("ok");
    });
    await raw(port, "PUT /a/b%20c?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-H: v\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    expect(seen).toEqual({ method: "PUT", url: `http://127.0.0.1/a/b%20c?x=1`, h: "v", body: "hello" });
    await raw(port, "POST /c HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    expect(seen.body).toBe("abcde");
  });

  test("an answer given before the body was read (a 507 before an upload) leaves the connection usable", async () => {
    let calls = 0;
    const port = await serve(async () => {
      calls++;
      return Response.json({ error: "full", code: "store_full" }, { status: 507 });
    });
    // Two requests on one keep-alive connection: the first body (4 MiB) is never read by the handler.
    const answers = await Promise.race([
      (async () => {
        const first = await fetch(`http://127.0.0.1:${port}/x`, { method: "PUT", body: new Uint8Array(4 * 1024 * 1024) });
        const second = await fetch(`http://127.0.0.1:${port}/y`, { method: "PUT", body: "small" });
        return [first.status, second.status];
      })(),
      Bun.sleep(10_000).then(() => "the second request was never answered"),
    ]);
    expect(answers).toEqual([507, 507]);
    expect(calls).toBe(2);
  });

  test("Expect: 100-continue gets 100 Continue, then the body is read", async () => {
    const port = await serve(async (req) => new Response(String((await req.arrayBuffer()).byteLength)));
    let sent = false;
    const { head, body } = await raw(port, "PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n", (sofar, send) => {
      if (!sent && sofar.includes("100 Continue")) {
        sent = true;
        send("abcd");
      }
    });
    expect(head).toContain("100 continue");
    expect(body.toString()).toContain("4");
  });

  test("the guard answers before a Request is built, from the raw target", async () => {
    let reached = false;
    const port = await serve(
      () => ((reached = true), new Response("no")),
      (_m, target) => (target.includes("/../") ? new Response("refused", { status: 400 }) : undefined),
    );
    const { head, body } = await get(port, "/a/../b");
    expect(head).toStartWith("http/1.1 400");
    expect(body.toString()).toBe("refused");
    expect(reached).toBe(false);
  });

  test("a client that goes away aborts the request's signal and cancels the response body", async () => {
    let aborted = false;
    let cancelled = false;
    const port = await serve((req) => {
      req.signal.addEventListener("abort", () => (aborted = true));
      return new Response(
        new ReadableStream({
          async pull(c) {
            await Bun.sleep(5);
            c.enqueue(new Uint8Array(10));
          },
          cancel: () => void (cancelled = true),
        }),
      );
    });
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => {
      socket.once("data", () => resolve());
      socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    });
    socket.destroy();
    const until = Date.now() + 3000;
    while (!(aborted && cancelled) && Date.now() < until) await Bun.sleep(10);
    expect({ aborted, cancelled }).toEqual({ aborted: true, cancelled: true });
  });

  test("a slow reader holds the body back (write back-pressure), and still gets every byte", async () => {
    let produced = 0;
    const total = 64 * 1024 * 1024;
    const port = await serve(
      () =>
        new Response(
          new ReadableStream({
            pull(c) {
              if (produced >= total) return c.close();
              c.enqueue(new Uint8Array(256 * 1024));
              produced += 256 * 1024;
            },
          }),
          { headers: { "content-length": String(total) } },
        ),
    );
    const socket = connect(port, "127.0.0.1");
    socket.pause();
    socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    await Bun.sleep(500);
    // Unread, the body stops at the socket buffers, far short of the whole.
    expect(produced).toBeLessThan(total / 2);
    let got = 0;
    socket.on("data", (d: Buffer) => (got += d.byteLength));
    socket.resume();
    await new Promise((resolve) => socket.on("end", resolve));
    expect(got).toBeGreaterThan(total);
    expect(produced).toBe(total);
  });

  test("a lent piece is given back once its write flushed it: memory reused from then on never reaches the client", async () => {
    // Two buffers take turns: each is refilled only after the server gave its last piece back.
    const size = 1024 * 1024;
    const pieces = 32;
    const buffers = [new Uint8Array(size), new Uint8Array(size)];
    const free = [true, true];
    let given = 0;
    let i = 0;
    const port = await serve(
      () =>
        new Response(
          new ReadableStream({
            async pull(c) {
              if (i >= pieces) return c.close();
              const slot = i % 2;
              while (!free[slot]) await Bun.sleep(1);
              free[slot] = false;
              const piece = buffers[slot]!.fill(i++ & 0xff);
              c.enqueue(
                lend(piece, () => {
                  given++;
                  piece.fill(0xee); // what a reused buffer would hold next
                  free[slot] = true;
                }),
              );
            },
          }),
          { headers: { "content-length": String(size * pieces) } },
        ),
    );
    const socket = connect(port, "127.0.0.1");
    const parts: Buffer[] = [];
    socket.on("data", (d: Buffer) => {
      parts.push(d);
      socket.pause(); // a slow client: the server's writes wait on the socket
      setTimeout(() => socket.resume(), 1);
    });
    socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    await new Promise((resolve) => socket.on("end", resolve));
    const all = Buffer.concat(parts);
    const body = all.subarray(all.indexOf("\r\n\r\n") + 4);
    expect(body.byteLength).toBe(size * pieces);
    const wrong = Array.from({ length: pieces }, (_, n) => n).filter((n) => body.subarray(n * size, (n + 1) * size).some((b) => b !== n));
    expect(wrong).toEqual([]);
    expect(given).toBe(pieces);
  });

  test("stop() lets a request in flight finish, takes no new connection; EADDRINUSE is reported", async () => {
    const port = await serve(async () => {
      await Bun.sleep(300);
      return new Response("done");
    });
    const inFlight = fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    await Bun.sleep(100);
    const stopped = server!.stop();
    expect(await inFlight).toBe("done");
    await stopped;
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    server = await serveFetch({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const taken = serveFetch({ hostname: "127.0.0.1", port: server.port, fetch: () => new Response("") });
    await expect(taken).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});

describe("HTTPS (serveFetch with tls)", () => {
  test("serves TLS; plain HTTP to the same port is told to use https (GET/HEAD a redirect, other methods 400), not cut off", async () => {
    const cert = selfSignedCertificate(["127.0.0.1"]);
    server = await serveFetch({ hostname: "127.0.0.1", port: 0, tls: { cert: cert.certPem, key: cert.keyPem }, fetch: (req) => new Response(`${new URL(req.url).protocol === "https:" ? "secure" : "plain"} ${new URL(req.url).pathname}`, { headers: { "x-from": remoteAddressOf(req) ?? "" } }) });
    const port = server.port;
    const secure = await fetch(`https://127.0.0.1:${port}/a?b=1`, { tls: { ca: cert.certPem } } as RequestInit);
    // The request says https, and the client's address is the TCP peer's (the failure limiter and the audit use it).
    expect([secure.status, await secure.text(), secure.headers.get("x-from")]).toEqual([200, "secure /a", "127.0.0.1"]);
    const plain = await get(port, "/files/x?y=1");
    expect(plain.head).toStartWith("http/1.1 301");
    expect(plain.head).toContain("location: https://127.0.0.1/files/x?y=1");
    expect(plain.body.toString()).toContain("This port speaks HTTPS only. Use https://127.0.0.1/files/x?y=1");
    const put = await raw(port, `PUT /f HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`);
    expect(put.head).toStartWith("http/1.1 400");
    expect(put.body.toString()).toContain(`Use https://127.0.0.1:${port}/f`);
    // A Host that is not a host name gets words, never a redirect to it.
    const odd = await raw(port, "GET / HTTP/1.1\r\nHost: evil.example/\r\nConnection: close\r\n\r\n");
    expect([odd.head.split("\r\n")[0], odd.head.includes("location")]).toEqual(["http/1.1 400 bad request", false]);
    expect(odd.body.toString()).toContain("use https://");
    // The port still serves TLS after the plain requests.
    expect((await fetch(`https://127.0.0.1:${port}/again`, { tls: { ca: cert.certPem } } as RequestInit)).status).toBe(200);
  });
});
