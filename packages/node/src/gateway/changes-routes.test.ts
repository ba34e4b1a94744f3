// The change feed in process: what it reports, what it leaves out, and the overflow that bounds it.
import { expect, test } from "bun:test";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { deleteChange, dirChange, fileChange } from "../metadata/test-fixtures.ts";
import { readEvents } from "../sync/sse-reader.ts";
import { changesRoutes, MAX_QUEUED_CHANGES } from "./changes-routes.ts";
import { MAX_OPEN_STREAMS, openStreamCount } from "./sse-feed.ts";
import { serveFetch } from "./http-server.ts";
import { connect } from "node:net";
import { toErrorResponse } from "./errors.ts";
import { logger } from "../log.ts";
import { Hono } from "hono";
import { openAccess } from "./auth.ts";

function setup() {
  const manifests = new MemoryManifestStore("n1");
  // An open node: the gateway runs its authenticator before every route (a route alone fails closed).
  const app = new Hono();
  app.use(openAccess());
  app.route("/", changesRoutes({ manifests }));
  app.onError((err, c) => toErrorResponse(err, c, logger("test")));
  return { manifests, app };
}

async function open(app: ReturnType<typeof setup>["app"], query: string) {
  const controller = new AbortController();
  const res = await app.request(`/api/changes${query}`, { signal: controller.signal });
  expect(res.status).toBe(200);
  const events = readEvents(res.body!);
  const next = async () => {
    const { value } = await events.next();
    return { event: value!.event, data: JSON.parse(value!.data) };
  };
  return { next, close: () => controller.abort() };
}

test("rows at and below the path, after 'ready': writes, deletes; other folders left out", async () => {
  const { manifests, app } = setup();
  manifests.commitLocalBatch([dirChange("docs"), dirChange("docsx")]);
  const feed = await open(app, "?path=/docs");
  expect(await feed.next()).toEqual({ event: "ready", data: { path: "/docs" } });
  manifests.commitLocalBatch([fileChange("docsx/no", 1), fileChange("docs/a.txt", 5), fileChange("other", 1)]);
  manifests.commitLocal(deleteChange("docs/a.txt"));
  const a = await feed.next();
  expect(a.event).toBe("change");
  expect(a.data).toMatchObject({ path: "/docs/a.txt", kind: "file", size: 5, deleted: false });
  const gone = await feed.next();
  expect(gone.data).toMatchObject({ path: "/docs/a.txt", deleted: true });
  expect(gone.data.version > a.data.version).toBe(true);
  feed.close();
});

test("a client that falls behind by more than the bound gets 'overflow' instead of the backlog", async () => {
  const { manifests, app } = setup();
  const feed = await open(app, "");
  expect((await feed.next()).event).toBe("ready");
  const n = MAX_QUEUED_CHANGES + 10;
  manifests.commitLocalBatch(Array.from({ length: n }, (_, i) => fileChange(`f${i}`, 1)));
  expect((await feed.next()).event).toBe("overflow");
  // The change that overflowed the queue went with the backlog; what came after it is sent.
  const after = await feed.next();
  expect(after.data.path).toBe(`/f${MAX_QUEUED_CHANGES + 1}`);
  feed.close();
});

test("a bad path is 400 invalid_path", async () => {
  const { app } = setup();
  const res = await app.request("/api/changes?path=docs");
  expect(res.status).toBe(400);
  expect(((await res.json()) as { code: string }).code).toBe("invalid_path");
});

/** A stream held open over node:http (http-server.ts) until close(), which disconnects as a client that goes away. */
async function hold(port: number): Promise<{ close: () => void }> {
  const socket = connect(port, "127.0.0.1");
  let got = "";
  socket.on("data", (d: Buffer) => (got += d.toString()));
  socket.write("GET /api/changes HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  await waitUntil(() => got.includes("event: ready"));
  return { close: () => socket.destroy() };
}

test("a node serves at most MAX_OPEN_STREAMS event streams at once: the next is 503 too_many_streams until one closes", async () => {
  const { app } = setup();
  const server = await serveFetch({ hostname: "127.0.0.1", port: 0, fetch: (req) => app.fetch(req) });
  const feeds: Array<{ close: () => void }> = [];
  try {
    const before = openStreamCount();
    for (let i = before; i < MAX_OPEN_STREAMS; i++) feeds.push(await hold(server.port));
    expect(openStreamCount()).toBe(MAX_OPEN_STREAMS);
    const refused = await fetch(`http://127.0.0.1:${server.port}/api/changes`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe("too_many_streams");
    feeds.pop()!.close();
    await waitUntil(() => openStreamCount() < MAX_OPEN_STREAMS);
    feeds.push(await hold(server.port));
    for (const f of feeds.splice(0)) f.close();
    await waitUntil(() => openStreamCount() === before);
  } finally {
    for (const f of feeds) f.close();
    await server.stop(true);
  }
});

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await Bun.sleep(10);
  expect(ok()).toBe(true);
}
