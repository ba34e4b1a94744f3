import { describe, expect, test } from "bun:test";
import {
  type Upload,
  type UploadEvent,
  clearFinished,
  eta,
  isBusy,
  isStoring,
  newUpload,
  percent,
  preconditionHeaders,
  uploadPreconditions,
  speed,
  summarize,
  toStart,
  transition,
} from "./upload-queue.ts";

const run = (u: Upload, ...events: UploadEvent[]) => events.reduce(transition, u);
const MB = 1024 * 1024;

describe("transitions", () => {
  const q = newUpload(1, "a.bin", "/a.bin", 10 * MB, "quorum");

  test("queued → uploading → done", () => {
    const u = run(q, { type: "start", now: 0 }, { type: "progress", loaded: 5 * MB, now: 1000 });
    expect(u.status).toBe("uploading");
    expect(u.loaded).toBe(5 * MB);
    expect(percent(u)).toBe(50);
    const done = transition(u, { type: "done", result: { path: "/a.bin", size: 10 * MB, copies: 3 }, now: 2000 });
    expect(done.status).toBe("done");
    expect(done.loaded).toBe(10 * MB);
    expect(percent(done)).toBe(100);
    expect(done.result?.copies).toBe(3);
  });

  test("a failure keeps the node's message; retry queues it again from zero", () => {
    const failed = run(q, { type: "start", now: 0 }, { type: "progress", loaded: MB, now: 10 }, { type: "fail", error: "store full", now: 20 });
    expect(failed.status).toBe("error");
    expect(failed.error).toBe("store full");
    const again = transition(failed, { type: "retry" });
    expect(again.status).toBe("queued");
    expect(again.loaded).toBe(0);
    expect(again.error).toBeUndefined();
  });

  test("cancel from queued or uploading; late events after it change nothing", () => {
    expect(transition(q, { type: "cancel", now: 0 }).status).toBe("cancelled");
    const c = run(q, { type: "start", now: 0 }, { type: "cancel", now: 5 });
    expect(c.status).toBe("cancelled");
    expect(transition(c, { type: "progress", loaded: 100, now: 6 })).toBe(c);
    expect(transition(c, { type: "done", result: { path: "/a.bin", size: 1 }, now: 6 })).toBe(c);
    expect(transition(c, { type: "fail", error: "x", now: 6 })).toBe(c);
  });

  test("events that do not apply are ignored", () => {
    expect(transition(q, { type: "progress", loaded: 5, now: 1 })).toBe(q);
    expect(transition(q, { type: "retry" })).toBe(q);
    const done = run(q, { type: "start", now: 0 }, { type: "done", result: { path: "/a.bin", size: 1 }, now: 1 });
    expect(transition(done, { type: "cancel", now: 2 })).toBe(done);
    expect(transition(done, { type: "start", now: 2 })).toBe(done);
  });

  test("progress never goes backwards or past the size", () => {
    const u = run(q, { type: "start", now: 0 }, { type: "progress", loaded: 4 * MB, now: 1 }, { type: "progress", loaded: 2 * MB, now: 2 });
    expect(u.loaded).toBe(4 * MB);
    expect(transition(u, { type: "progress", loaded: 99 * MB, now: 3 }).loaded).toBe(10 * MB);
  });
});

describe("percent, speed, ETA", () => {
  test("a fully sent upload waiting for the node's answer shows 99, not 100", () => {
    const u = run(newUpload(1, "a", "/a", 100, "all"), { type: "start", now: 0 }, { type: "progress", loaded: 100, now: 10 });
    expect(percent(u)).toBe(99);
    expect(isStoring(u)).toBe(true);
  });
  test("empty files: 0 until done", () => {
    const u = run(newUpload(1, "e", "/e", 0, "fast"), { type: "start", now: 0 });
    expect(percent(u)).toBe(0);
    expect(isStoring(u)).toBe(false);
  });
  test("speed over the recent window; ETA from it", () => {
    let u = run(newUpload(1, "a", "/a", 100 * MB, "quorum"), { type: "start", now: 0 });
    for (let t = 500; t <= 10_000; t += 500) u = transition(u, { type: "progress", loaded: (t / 1000) * 2 * MB, now: t });
    // 2 MiB/s throughout, so the window's rate is 2 MiB/s.
    expect(speed(u, 10_000)).toBeCloseTo(2 * MB, -3);
    expect(u.samples.every((s) => 10_000 - s.t <= 3000)).toBe(true);
    expect(eta(u, 10_000)).toBeCloseTo(40, 0);
  });
  test("the speed follows a change of rate within the window", () => {
    let u = run(newUpload(1, "a", "/a", 100 * MB, "quorum"), { type: "start", now: 0 });
    let loaded = 0;
    for (let t = 500; t <= 10_000; t += 500) {
      loaded += t <= 5000 ? 5 * MB : 0.5 * MB; // 10 MiB/s, then 1 MiB/s
      u = transition(u, { type: "progress", loaded, now: t });
    }
    expect(speed(u, 10_000)).toBeCloseTo(MB, -3);
  });
  test("unknown speed: 0 and no ETA; a done upload reports its average", () => {
    const started = run(newUpload(1, "a", "/a", 10, "quorum"), { type: "start", now: 0 });
    expect(speed(started, 100)).toBe(0);
    expect(eta(started, 100)).toBeUndefined();
    const done = run(started, { type: "done", result: { path: "/a", size: 10 }, now: 2000 });
    expect(speed(done, 5000)).toBe(5);
  });
});

describe("the queue", () => {
  const mk = (id: number, status: Upload["status"], size = 10, loaded = 0): Upload => ({ ...newUpload(id, `f${id}`, `/f${id}`, size, "quorum"), status, loaded });

  test("starts the oldest queued uploads up to the concurrency", () => {
    const list = [mk(1, "done"), mk(2, "uploading"), mk(3, "queued"), mk(4, "queued"), mk(5, "queued")];
    expect(toStart(list, 3)).toEqual([3, 4]);
    expect(toStart(list, 1)).toEqual([]);
  });
  test("summary counts by status and bytes of what is still to be stored", () => {
    const s = summarize([mk(1, "done", 10, 10), mk(2, "uploading", 20, 5), mk(3, "error", 30), mk(4, "cancelled", 40), mk(5, "queued", 50)]);
    expect(s).toEqual({ total: 5, queued: 1, uploading: 1, done: 1, error: 1, cancelled: 1, loaded: 15, bytes: 80 });
  });
  test("busy while anything is queued or sending; clearing keeps failures", () => {
    expect(isBusy([mk(1, "done"), mk(2, "queued")])).toBe(true);
    expect(isBusy([mk(1, "done"), mk(2, "error")])).toBe(false);
    expect(clearFinished([mk(1, "done"), mk(2, "error"), mk(3, "cancelled"), mk(4, "uploading")]).map((u) => u.id)).toEqual([2, 4]);
  });
});

describe("preconditions: an upload never silently replaces what the page did not show", () => {
  const listed = [
    { name: "seen.txt", kind: "file", sha256: "ab12" },
    { name: "album", kind: "dir" },
  ];
  test("a free name must still be free; a listed file is replaced only as seen; a listed folder's insides are not known", () => {
    const p = uploadPreconditions(["new.txt", "seen.txt", "album/a.jpg", "trip/b.jpg"], listed);
    expect(p.get("new.txt")).toEqual({ kind: "absent" });
    expect(p.get("seen.txt")).toEqual({ kind: "match", etag: "ab12" });
    expect(p.get("album/a.jpg")).toBeUndefined();
    expect(p.get("trip/b.jpg")).toEqual({ kind: "absent" });
  });
  test("the headers: If-None-Match: * or If-Match with the quoted ETag; none without a precondition", () => {
    expect(preconditionHeaders({ kind: "absent" })).toEqual({ "if-none-match": "*" });
    expect(preconditionHeaders({ kind: "match", etag: "ab12" })).toEqual({ "if-match": '"ab12"' });
    expect(preconditionHeaders(undefined)).toEqual({});
  });
  test("a 412 leaves the upload failed as a conflict; resent to another name or over what is there, it queues afresh", () => {
    const q = newUpload(7, "seen.txt", "/d/seen.txt", 10, "quorum", { kind: "absent" });
    const refused = run(q, { type: "start", now: 0 }, { type: "conflict", error: "appeared meanwhile", now: 5 });
    expect(refused).toMatchObject({ status: "error", conflict: true, error: "appeared meanwhile" });
    const kept = transition(refused, { type: "resend", path: "/d/seen (2).txt", name: "seen (2).txt", precondition: { kind: "absent" } });
    expect(kept).toMatchObject({ status: "queued", path: "/d/seen (2).txt", name: "seen (2).txt", loaded: 0, precondition: { kind: "absent" } });
    expect(kept.conflict).toBeUndefined();
    expect(kept.error).toBeUndefined();
    // Only an upload that stopped can be sent again; a conflict comes only while sending.
    expect(transition(q, { type: "resend", path: "/x", name: "x", precondition: { kind: "absent" } })).toBe(q);
    expect(transition(q, { type: "conflict", error: "x", now: 1 })).toBe(q);
  });
});
