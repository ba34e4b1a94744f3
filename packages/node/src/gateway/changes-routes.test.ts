// The change feed in process: what it reports, what it leaves out, and the overflow that bounds it.
import { expect, test } from "bun:test";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { deleteChange, dirChange, fileChange } from "../metadata/test-fixtures.ts";
import { readEvents } from "../sync/sse-reader.ts";
import { changesRoutes, MAX_QUEUED_CHANGES } from "./changes-routes.ts";
import { toErrorResponse } from "./errors.ts";
import { logger } from "../log.ts";

function setup() {
  const manifests = new MemoryManifestStore("n1");
  const app = changesRoutes({ manifests });
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
