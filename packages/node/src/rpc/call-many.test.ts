// callMany's hedge: only the first members are called at once, the others when one of those fails or is slow.
import { describe, expect, test } from "bun:test";
import { ManualClock } from "../util/manual-clock.ts";
import { callMany } from "./call-many.ts";

/** Calls that answer only when told: which members were called, and a way to settle each. */
function controlled() {
  const called: string[] = [];
  const settle = new Map<string, { ok: (v: string) => void; fail: (e: Error) => void }>();
  const call = (id: string) => {
    called.push(id);
    return new Promise<string>((ok, fail) => settle.set(id, { ok, fail }));
  };
  return { called, settle, call };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

describe("callMany with a hedge", () => {
  test("calls only the first member when it answers before the hedge time", async () => {
    const clock = new ManualClock();
    const c = controlled();
    const result = callMany(["b", "c"], c.call, { quorum: 1, graceMs: 0, hedge: { first: 1, afterMs: 50 }, clock });
    expect(c.called).toEqual(["b"]);
    c.settle.get("b")!.ok("rows of b");
    const r = await result;
    expect([...r.ok]).toEqual([["b", "rows of b"]]);
    await clock.advance(100);
    expect(c.called).toEqual(["b"]);
    await r.settled;
  });

  test("calls the others once the hedge time passes without a quorum", async () => {
    const clock = new ManualClock();
    const c = controlled();
    const result = callMany(["b", "c"], c.call, { quorum: 1, graceMs: 0, hedge: { first: 1, afterMs: 50 }, clock });
    await clock.advance(49);
    expect(c.called).toEqual(["b"]);
    await clock.advance(1);
    expect(c.called).toEqual(["b", "c"]);
    c.settle.get("c")!.ok("rows of c");
    const r = await result;
    expect([...r.ok.keys()]).toEqual(["c"]);
    expect([...r.pending]).toEqual(["b"]);
  });

  test("calls the others at once when a first member fails, and reports the failure", async () => {
    const clock = new ManualClock();
    const c = controlled();
    const result = callMany(["b", "c", "d"], c.call, { quorum: 2, graceMs: 0, hedge: { first: 2, afterMs: 50 }, clock });
    expect(c.called).toEqual(["b", "c"]);
    c.settle.get("b")!.fail(new Error("b is down"));
    await tick();
    expect(c.called).toEqual(["b", "c", "d"]);
    c.settle.get("c")!.ok("c");
    c.settle.get("d")!.ok("d");
    const r = await result;
    expect([...r.ok.keys()].sort()).toEqual(["c", "d"]);
    expect([...r.failed.keys()]).toEqual(["b"]);
  });

  test("when every member fails, each was called and the result ends without waiting for the hedge time", async () => {
    const clock = new ManualClock();
    const c = controlled();
    const result = callMany(["b", "c"], c.call, { quorum: 1, graceMs: 0, hedge: { first: 1, afterMs: 50 }, clock });
    c.settle.get("b")!.fail(new Error("no"));
    await tick();
    c.settle.get("c")!.fail(new Error("no either"));
    const r = await result;
    expect(r.ok.size).toBe(0);
    expect([...r.failed.keys()].sort()).toEqual(["b", "c"]);
    await r.settled;
  });

  test("without a hedge every member is called at once", async () => {
    const c = controlled();
    const result = callMany(["b", "c"], c.call, { quorum: 1, graceMs: 0 });
    expect(c.called).toEqual(["b", "c"]);
    c.settle.get("c")!.ok("c");
    expect([...(await result).ok.keys()]).toEqual(["c"]);
  });
});
