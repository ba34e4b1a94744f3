// The SWIM core's clock ping: a ping outside the probe rounds whose ack only times a member's clock.
import { expect, test } from "bun:test";
import { addr, threeNodes } from "./swim-test-kit.ts";

test("a clock ping goes to a live member at its own address with a fresh seq; its ack changes no probe's outcome", () => {
  const c = threeNodes();
  const a = c.node("a");
  const before = a.probeStats();
  const out = a.clockPing("b", addr("b"));
  expect(out.map((o) => [o.to, o.msg.type, o.msg.type === "ping" && o.msg.to])).toEqual([[addr("b"), "ping", "b"]]);
  const ping = out[0]!.msg;
  if (ping.type !== "ping") throw new Error("not a ping");
  // Not to another member's address, nor to a stranger, nor to itself.
  expect(a.clockPing("b", addr("c"))).toEqual([]);
  expect(a.clockPing("x", addr("x"))).toEqual([]);
  expect(a.clockPing("a", addr("a"))).toEqual([]);
  const answer = c.node("b").receive(3001, addr("a"), ping);
  const ack = answer.find((o) => o.msg.type === "ack")!;
  expect(ack.to).toBe(addr("a"));
  expect(ack.msg.type === "ack" && ack.msg.seq).toBe(ping.seq);
  a.receive(3002, addr("b"), ack.msg);
  expect(a.probeStats()).toEqual(before);
  // A second clock ping has a seq of its own.
  const again = a.clockPing("c", addr("c"))[0]!.msg;
  expect(again.type === "ping" && again.seq).not.toBe(ping.seq);
});
