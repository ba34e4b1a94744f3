import { describe, expect, test } from "bun:test";
import { userRecord } from "./account-store.case.ts";
import { homeOwnerOf, Quotas } from "./quota.ts";

const used: Record<string, number> = { "home/alice": 700, "home/bob": 5000, "home/alice/docs": 200 };
const quotas = new Quotas({
  user: (name) => (name === "alice" ? userRecord("alice", "018f00000001000000@a", { quotaBytes: 1000 }) : name === "bob" ? userRecord("bob", "018f00000001000000@a") : undefined),
  bytesUnder: (dir) => used[dir] ?? 0,
});

async function drain(body: ReadableStream<Uint8Array> | null): Promise<number> {
  let n = 0;
  for await (const chunk of body!) n += chunk.byteLength;
  return n;
}

const stream = (...sizes: number[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const s of sizes) c.enqueue(new Uint8Array(s));
      c.close();
    },
  });

describe("Quotas", () => {
  test("the owner of a path is the user whose home holds it", () => {
    expect(homeOwnerOf("home/alice/a.txt")).toBe("alice");
    expect(homeOwnerOf("home/alice/d/e")).toBe("alice");
    expect(homeOwnerOf("home/alice")).toBeUndefined();
    expect(homeOwnerOf("photos/a.jpg")).toBeUndefined();
  });

  test("room: the quota less what the owner's files take, a replaced file's bytes given back; none outside homes or without a quota", () => {
    expect(quotas.room("home/alice/x")).toBe(300);
    expect(quotas.room("home/alice/x", 100)).toBe(400);
    expect(quotas.room("home/bob/x")).toBe(Number.POSITIVE_INFINITY);
    expect(quotas.room("photos/x")).toBe(Number.POSITIVE_INFINITY);
  });

  test("a declared length beyond the room is refused at once with 507 quota_exceeded", () => {
    expect(() => quotas.hold("home/alice/x", stream(1), 301)).toThrow(expect.objectContaining({ status: 507, code: "quota_exceeded" }));
    const hold = quotas.hold("home/alice/x", stream(1), 300);
    expect(hold.body).not.toBeNull();
    hold.release();
  });

  test("a body of unknown length is cut off once it passes the room", async () => {
    const fits = quotas.hold("home/alice/x", stream(100, 200), undefined);
    expect(await drain(fits.body)).toBe(300);
    fits.release();
    const over = quotas.hold("home/alice/x", stream(200, 200), undefined);
    await expect(drain(over.body)).rejects.toMatchObject({ code: "quota_exceeded" });
    over.release();
  });

  test("writes running at once hold their bytes: together they cannot pass the room, and release gives it back", async () => {
    const first = quotas.hold("home/alice/a", stream(200), 200); // declared: held at once
    expect(quotas.room("home/alice/b")).toBe(100);
    expect(() => quotas.hold("home/alice/b", stream(150), 150)).toThrow(expect.objectContaining({ code: "quota_exceeded" }));
    const unknown = quotas.hold("home/alice/c", stream(60, 60), undefined); // room 100 while the first runs
    await expect(drain(unknown.body)).rejects.toMatchObject({ code: "quota_exceeded" });
    unknown.release();
    // Two of unknown length that start together: each sees what the other has received so far.
    const [p, q] = [quotas.hold("home/alice/p", stream(50, 50), undefined), quotas.hold("home/alice/q", stream(50, 50), undefined)];
    const rp = p.body!.getReader();
    const rq = q.body!.getReader();
    await rp.read();
    await rq.read(); // 50 + 50 held of the 100 left
    await expect(rp.read()).rejects.toMatchObject({ code: "quota_exceeded" });
    p.release();
    q.release();
    first.release();
    first.release(); // idempotent
    expect(quotas.room("home/alice/b")).toBe(300);
    const streaming = quotas.hold("home/alice/d", stream(120), undefined);
    await drain(streaming.body);
    expect(quotas.room("home/alice/e")).toBe(180); // what arrived is held until the write ends
    streaming.release();
    expect(quotas.room("home/alice/e")).toBe(300);
    expect(quotas.room("home/bob/x")).toBe(Number.POSITIVE_INFINITY);
  });

  test("copies and moves between homes bring their bytes; a move within a home is free", () => {
    const docs = { path: "home/alice/docs", kind: "dir" as const, size: 0 };
    expect(() => quotas.checkTransfer(docs, "home/alice/docs2", false)).not.toThrow(); // 200 ≤ 300
    expect(() => quotas.checkTransfer({ path: "home/bob/big", kind: "file", size: 301 }, "home/alice/big", true)).toThrow(expect.objectContaining({ code: "quota_exceeded" }));
    expect(() => quotas.checkTransfer({ path: "home/alice/big", kind: "file", size: 900 }, "home/alice/big2", true)).not.toThrow();
    expect(() => quotas.checkTransfer({ path: "home/alice/big", kind: "file", size: 900 }, "home/alice/big2", false)).toThrow(expect.objectContaining({ code: "quota_exceeded" }));
  });
});
