// callQuorum asks only the members a quorum needs, in order; the next on a failure, all the rest after the hedge delay.
import { describe, expect, test } from "bun:test";
import { ManualClock } from "../util/manual-clock.ts";
import { callQuorum } from "./call-quorum.ts";

/** Members whose calls settle when told to; `asked` lists who was called, in order. */
function members() {
  const asked: string[] = [];
  const waiting = new Map<string, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  const call = (id: string) => {
    asked.push(id);
    return new Promise<string>((resolve, reject) => waiting.set(id, { resolve, reject }));
  };
  const answer = async (id: string) => {
    waiting.get(id)!.resolve(`from ${id}`);
    await Bun.sleep(0);
  };
  const fail = async (id: string) => {
    waiting.get(id)!.reject(new Error(`${id} is down`));
    await Bun.sleep(0);
  };
  return { asked, call, answer, fail };
}

/** `n` answers from the members make the quorum. */
const answersFrom = (n: number, ids: string[]) => (answered: (id: string) => boolean) => ids.filter(answered).length >= n;

describe("callQuorum", () => {
  test("asks only as many members as the quorum needs, and resolves on their answers", async () => {
    const clock = new ManualClock();
    const m = members();
    const result = callQuorum(["b", "c", "d"], m.call, { enough: answersFrom(2, ["b", "c", "d"]), hedgeMs: 50, clock });
    expect(m.asked).toEqual(["b", "c"]);
    await m.answer("b");
    await m.answer("c");
    const r = await result;
    expect(r.reached).toBe(true);
    expect([...r.ok]).toEqual([["b", "from b"], ["c", "from c"]]);
    expect(r.extra).toBe(0);
    // Answered before the hedge: d is never asked, the timer is gone.
    await clock.advance(1000);
    expect(m.asked).toEqual(["b", "c"]);
  });

  test("a member that fails is replaced by the next one", async () => {
    const m = members();
    const result = callQuorum(["b", "c", "d"], m.call, { enough: answersFrom(1, ["b", "c", "d"]), hedgeMs: 50, clock: new ManualClock() });
    expect(m.asked).toEqual(["b"]);
    await m.fail("b");
    expect(m.asked).toEqual(["b", "c"]);
    await m.answer("c");
    const r = await result;
    expect(r.reached).toBe(true);
    expect([...r.ok.keys()]).toEqual(["c"]);
    expect([...r.failed.keys()]).toEqual(["b"]);
    expect(r.extra).toBe(1);
  });

  test("a member that stays silent past the hedge delay: every other member is asked too, the first answers win", async () => {
    const clock = new ManualClock();
    const m = members();
    const result = callQuorum(["b", "c", "d"], m.call, { enough: answersFrom(1, ["b", "c", "d"]), hedgeMs: 50, clock });
    await clock.advance(49);
    expect(m.asked).toEqual(["b"]);
    await clock.advance(1);
    expect(m.asked).toEqual(["b", "c", "d"]);
    await m.answer("d");
    const r = await result;
    expect([...r.ok.keys()]).toEqual(["d"]);
    expect(r.extra).toBe(2);
    // b's late answer changes nothing.
    await m.answer("b");
    expect([...r.ok.keys()]).toEqual(["d"]);
  });

  test("too many failures: not reached, once every member has answered or failed", async () => {
    const m = members();
    let settled = false;
    const result = callQuorum(["b", "c"], m.call, { enough: answersFrom(2, ["b", "c"]), hedgeMs: 50, clock: new ManualClock() });
    result.then(() => (settled = true));
    await m.fail("b");
    expect(settled).toBe(false);
    await m.answer("c");
    const r = await result;
    expect(r.reached).toBe(false);
    expect([...r.ok.keys()]).toEqual(["c"]);
    expect([...r.failed.keys()]).toEqual(["b"]);
  });

  test("a quorum made without anyone's answer asks nobody", async () => {
    const m = members();
    const r = await callQuorum(["b", "c"], m.call, { enough: () => true, hedgeMs: 50, clock: new ManualClock() });
    expect(r.reached).toBe(true);
    expect(m.asked).toEqual([]);
  });

  test("a call that throws at once counts as a failure", async () => {
    const m = members();
    const call = (id: string) => {
      if (id === "b") throw new Error("no address");
      return m.call(id);
    };
    const result = callQuorum(["b", "c"], call, { enough: answersFrom(1, ["b", "c"]), hedgeMs: 50, clock: new ManualClock() });
    await Bun.sleep(0);
    expect(m.asked).toEqual(["c"]);
    await m.answer("c");
    expect((await result).reached).toBe(true);
  });
});
