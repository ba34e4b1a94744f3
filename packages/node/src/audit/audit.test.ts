// The audit log over an in-memory cluster: a record reaches every live member at once, a member that was
// away (or has a different bound) catches up by digest in pages, the bound holds everywhere, ids stay
// unique and ordered on one node, and failed logins past the rate are counted instead of recorded.
import { describe, expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import type { JsonHandlers } from "../rpc/methods.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { AuditLog, FAILED_LOGINS_PER_MINUTE } from "./audit-log.ts";
import { MemoryAuditStore } from "./audit-store.ts";
import { AUDIT_PUSH_FANOUT, AuditSync } from "./audit-sync.ts";
import type { AuditEntry } from "./records.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const entry = (target: string, over: Partial<AuditEntry> = {}): AuditEntry => ({
  actor: "alice", action: "delete", target, via: "api", address: "127.0.0.1", detail: {}, ...over,
});

function cluster(keeps: Record<string, number>) {
  const ids = Object.keys(keeps);
  const net = new MemoryNetwork();
  const clock = new ManualClock();
  let now = 1_800_000_000_000;
  const down = new Set<string>();
  const nodes = new Map<string, { log: AuditLog; sync: AuditSync; store: MemoryAuditStore }>();
  for (const id of ids) {
    const handlers: JsonHandlers = {};
    const rpc = net.register(id, { store: { put: async () => ({ created: false }), get: async () => new Uint8Array(), has: () => false }, handlers }, { clock });
    const store = new MemoryAuditStore(keeps[id]!);
    const sync = new AuditSync({ intervalMs: 1000 }, { store, rpc, peers: () => ids.filter((x) => x !== id && !down.has(x)), clock, random: () => 0, log: quiet });
    Object.assign(handlers, sync.handlers());
    nodes.set(id, { log: new AuditLog({ selfId: id, store, sync, now: () => now }), sync, store });
  }
  const setDown = (id: string, v: boolean) => {
    net.setDown(id, v);
    if (v) down.add(id);
    else down.delete(id);
  };
  return { node: (id: string) => nodes.get(id)!, setDown, tick: (ms: number) => (now += ms) };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe("AuditLog and AuditSync", () => {
  test("a record made on one node is on every live node at once, with its maker's id and time", async () => {
    const { node } = cluster({ a: 100, b: 100, c: 100 });
    const made = node("a").log.record(entry("/home/alice/x"))!;
    await settle();
    for (const id of ["a", "b", "c"]) expect(node(id).store.page({ limit: 10 })).toEqual([made]);
    expect(made).toMatchObject({ node: "a", at: 1_800_000_000_000 });
  });

  test(`a record is pushed to ${AUDIT_PUSH_FANOUT} live members, not to every one; rounds bring it to the rest`, async () => {
    const names = Array.from({ length: 9 }, (_, i) => `n${i}`);
    const { node } = cluster(Object.fromEntries(names.map((n) => [n, 100])));
    const made = node("n0").log.record(entry("/home/alice/x"))!;
    await settle();
    const holders = () => names.filter((n) => node(n).store.count === 1);
    expect(holders().length).toBe(1 + AUDIT_PUSH_FANOUT);
    // Each round is a push-pull with one peer; a few rounds everywhere and every member holds it.
    for (let round = 0; round < 8 && holders().length < names.length; round++) for (const n of names) await node(n).sync.round();
    expect(holders()).toEqual(names);
    for (const n of names) expect(node(n).store.page({ limit: 10 })).toEqual([made]);
  });

  test("ids are unique and in order on one node when the clock stands still or steps back", () => {
    let now = 1000;
    const log = new AuditLog({ selfId: "a", store: new MemoryAuditStore(100), now: () => now });
    const ids = [log.record(entry("1"))!.id, log.record(entry("2"))!.id];
    now = 900;
    ids.push(log.record(entry("3"))!.id);
    now = 2000;
    ids.push(log.record(entry("4"))!.id);
    expect(new Set(ids).size).toBe(4);
    expect([...ids].sort()).toEqual(ids);
    expect(log.page({ limit: 10 }).map((r) => r.target)).toEqual(["4", "3", "2", "1"]);
  });

  test("a node that was away catches up in pages at a round, and sends back what the other lacks", async () => {
    const { node, setDown, tick } = cluster({ a: 2000, b: 2000 });
    setDown("b", true);
    for (let i = 0; i < 1200; i++) (node("a").log.record(entry(`/a${i}`)), tick(1));
    setDown("b", false);
    setDown("a", true);
    node("b").log.record(entry("/b-only"));
    setDown("a", false);
    await settle();
    expect([node("a").store.count, node("b").store.count]).toEqual([1200, 1]);
    await node("b").sync.round();
    expect([node("a").store.count, node("b").store.count]).toEqual([1201, 1201]);
    expect(node("a").store.digest()).toBe(node("b").store.digest());
  });

  test("the bound holds on every node; a node with a larger bound sends a smaller one nothing it would refuse", async () => {
    const { node, setDown, tick } = cluster({ a: 50, b: 20 });
    setDown("b", true);
    for (let i = 0; i < 60; i++) (node("a").log.record(entry(`/x${i}`)), tick(1));
    setDown("b", false);
    await node("b").sync.round();
    expect([node("a").store.count, node("b").store.count]).toEqual([50, 20]);
    expect(node("b").store.page({ limit: 1 })[0]!.target).toBe("/x59");
    expect(node("b").store.page({ limit: 100 }).at(-1)!.target).toBe("/x40");
    let pushed = 0;
    // From a's side: b holds its bound, so only what is newer than b's oldest could be sent (nothing here).
    const spy = node("b").store.add.bind(node("b").store);
    node("b").store.add = (records) => ((pushed += records.length), spy(records));
    await node("a").sync.round();
    expect(pushed).toBe(0);
  });

  test(`failed logins: at most ${FAILED_LOGINS_PER_MINUTE} a minute are recorded; the next one recorded counts those left out`, () => {
    let now = 60_000 * 100;
    const log = new AuditLog({ selfId: "a", store: new MemoryAuditStore(1000), now: () => now });
    const failed = entry("alice", { action: "login_failed" });
    const recorded = Array.from({ length: FAILED_LOGINS_PER_MINUTE + 15 }, () => log.record(failed)).filter(Boolean);
    expect(recorded.length).toBe(FAILED_LOGINS_PER_MINUTE);
    expect(log.record(entry("/other"))).toBeDefined(); // other actions are never held back
    now += 60_000;
    expect(log.record(failed)!.detail).toEqual({ leftOut: 15 });
    expect(log.record(failed)!.detail).toEqual({});
  });
});
