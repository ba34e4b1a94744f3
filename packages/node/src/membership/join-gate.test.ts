import { describe, expect, test } from "bun:test";
import { JoinGate, joinedBefore } from "./join-gate.ts";
import type { Member, MemberState } from "./types.ts";

/** A member at `host`:4000, joined unless `joining` names its founding set. */
function member(host: string, opts: { state?: MemberState; joining?: string } = {}): Member {
  return { id: host, host, gossipPort: 4000, httpPort: 3000, transferPort: 5000, weight: 1, state: opts.state ?? "alive", incarnation: 0, stateChangedAt: 0, ...(opts.joining ? { joining: opts.joining } : {}) };
}
const addr = (host: string) => `${host}:4000`;
/** A gate for `self` seeded with `seeds` (each seed as written, no names resolved). */
const gate = (self: string, seeds: string[], joinedBefore = false) => new JoinGate({ self: addr(self), seeds: seeds.map((s) => [addr(s)]), joinedBefore });

describe("join gate", () => {
  test("a node without seeds, or seeded only with itself, founds its cluster", () => {
    expect(gate("a", []).reached).toBe(true);
    expect(gate("a", ["a"]).reached).toBe(true);
    expect(gate("a", []).founding).toBeUndefined();
  });

  test("a newcomer joins on seeing a live member that has joined, not a suspect or dead one", () => {
    const g = gate("b", ["a"]);
    expect(g.reached).toBe(false);
    expect(g.founding).toMatch(/^[0-9a-f]{16}$/);
    expect(g.observe([member("a", { state: "suspect" }), member("a2", { state: "dead" })])).toBe(false);
    expect(g.observe([member("a")])).toBe(true);
    expect(g.reached).toBe(true);
    expect(g.founding).toBeUndefined();
    expect(g.observe([])).toBe(false); // once joined, always joined; announced once
    expect(g.reached).toBe(true);
  });

  test("newcomers whose seed lists differ do not count each other (simulator seed 1057)", () => {
    const n3 = gate("n3", ["n0"]);
    const n4 = gate("n4", ["n0", "n3"]);
    expect(n4.observe([member("n3", { joining: n3.founding })])).toBe(false);
    expect(n3.observe([member("n4", { joining: n4.founding })])).toBe(false);
    // The cluster answers: both join.
    expect(n3.observe([member("n0"), member("n4", { joining: n4.founding })])).toBe(true);
    expect(n4.observe([member("n3")])).toBe(true);
  });

  test("nodes that list each other found together once a majority of them is up", () => {
    const ids = ["p", "q", "r"];
    const gates = ids.map((id) => gate(id, ids.filter((o) => o !== id)));
    // The same founding set whichever way it is written (each lists the others; or all list all).
    expect(new Set(gates.map((g) => g.founding)).size).toBe(1);
    expect(gate("p", ids).founding).toBe(gates[0]!.founding);
    const [p, q] = gates;
    expect(p!.observe([])).toBe(false);
    expect(p!.observe([member("q", { joining: q!.founding }), member("r", { state: "dead", joining: q!.founding })])).toBe(true);
  });

  test("a majority of a larger founding set is needed: two of five do not found", () => {
    const ids = ["a", "b", "c", "d", "e"];
    const [a, b, c] = ids.map((id) => gate(id, ids));
    expect(a!.observe([member("b", { joining: b!.founding })])).toBe(false);
    expect(a!.observe([member("b", { joining: b!.founding }), member("c", { joining: c!.founding })])).toBe(true);
  });

  test("a seed named by host name matches the address it resolved to, and counts once", () => {
    const byName = new JoinGate({ self: "10.0.0.1:4000", seeds: [["orrery2:4000", "10.0.0.2:4000"], ["10.0.0.2:4000"]], joinedBefore: false });
    const byAddress = new JoinGate({ self: "10.0.0.2:4000", seeds: [["10.0.0.1:4000"]], joinedBefore: false });
    expect(byName.founding).toBe(byAddress.founding);
    const q: Member = { ...member("10.0.0.2"), joining: byAddress.founding };
    expect(byName.observe([q])).toBe(true); // two of two: the duplicate entry did not make it three
  });

  test("a name resolved later changes the founding set, and says so", () => {
    const g = new JoinGate({ self: "10.0.0.1:4000", seeds: [["orrery2:4000"]], joinedBefore: false });
    const before = g.founding;
    expect(g.setSeeds([["orrery2:4000"]])).toBe(false);
    expect(g.setSeeds([["orrery2:4000", "10.0.0.2:4000"]])).toBe(true);
    expect(g.founding).not.toBe(before);
  });

  test("a node that remembers a joined member joined before; one that met only newcomers did not", () => {
    expect(joinedBefore([member("a")], "b")).toBe(true);
    expect(joinedBefore([member("a", { joining: "0123456789abcdef" })], "b")).toBe(false);
    expect(joinedBefore([member("b")], "b")).toBe(false);
    expect(gate("b", ["a"], true).reached).toBe(true);
  });
});
