// The change relay over the in-memory network: a member forwards the rows it owns below a watched folder to the
// watcher (not others, not after the watch ended, not the watcher's own), holds a bounded number of watches per
// peer, and a feed's subscription asks every other ring member and ends its watches when it closes.
import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { fileChange } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { logger } from "../log.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ChangeRelay, MAX_WATCHES_PER_PEER, pageLength, WATCH_TTL_MS } from "./change-relay.ts";
import { MAX_PUSH_ENTRIES, MAX_SYNC_PAGE_CHUNKS } from "../metadata/sync.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const noStore = { put: async () => ({ created: false }), get: async (): Promise<Uint8Array> => new Uint8Array(), has: () => false };

/** Member "a" relaying to a watcher "w" (which records what is pushed to it and the watches it is asked for), beside "x". */
function setup(factor: number) {
  const net = new MemoryNetwork();
  const clock = new ManualClock();
  const pushed: string[] = [];
  const watchCalls: Array<{ from: string; to: string; root: string; ttlMs: number }> = [];
  const placement = new Placement(factor, h, 16);
  placement.update(["a", "w", "x"].map((id) => testMember(id, "alive")));
  for (const id of ["w", "x"]) {
    net.register(id, {
      store: noStore,
      handlers: {
        "manifests.push": (_from, body) => {
          if (id === "w") pushed.push(...body.entries.map((e) => e.path));
          return { applied: body.entries.length, versions: body.entries.map((e) => e.version) };
        },
        "changes.watch": (from, body) => (watchCalls.push({ from, to: id, ...body }), { watching: true }),
      },
    });
  }
  const manifests = new MemoryManifestStore("a");
  const rpc = net.register("a", { store: noStore, handlers: {} }, { clock });
  const relay = new ChangeRelay({ selfId: "a", manifests, placement, rpc, clock, log: logger("test") });
  /** A path below `dir` whose manifest owners do (`mine`) or do not include a. */
  const pathOwned = (dir: string, mine: boolean) => {
    for (let i = 0; ; i++) {
      const p = `${dir}/s${i}/f`;
      if (placement.manifestOwners(p).includes("a") === mine) return p;
    }
  };
  return { clock, pushed, watchCalls, manifests, relay, pathOwned };
}

describe("ChangeRelay", () => {
  test("forwards the rows it owns below a watched folder to the watcher, and nothing else", async () => {
    const { clock, pushed, manifests, relay, pathOwned } = setup(1);
    expect(relay.watch("w", { root: "docs", ttlMs: WATCH_TTL_MS })).toEqual({ watching: true });
    const mine = pathOwned("docs", true);
    const others = pathOwned("docs", false);
    const outside = pathOwned("other", true);
    manifests.commitLocalBatch([fileChange(mine), fileChange(others), fileChange(outside)]);
    await clock.advance(100);
    expect(pushed).toEqual([mine]);
  });

  test("the watcher's own rows go back to it never, and a watch that ended or lapsed forwards nothing", async () => {
    const { clock, pushed, manifests, relay, pathOwned } = setup(1);
    relay.watch("w", { root: "", ttlMs: WATCH_TTL_MS });
    const p = pathOwned("docs", true);
    manifests.apply([{ ...fileChange(p), version: `${"0".repeat(17)}1@w`, origin: "w", seq: 1 }]);
    await clock.advance(100);
    expect(pushed).toEqual([]);
    // Lapsed: not renewed within its ttl.
    await clock.advance(WATCH_TTL_MS);
    manifests.commitLocalBatch([fileChange(pathOwned("late", true))]);
    await clock.advance(100);
    expect(pushed).toEqual([]);
    // Ended by the watcher.
    relay.watch("w", { root: "docs", ttlMs: WATCH_TTL_MS });
    relay.watch("w", { root: "docs", ttlMs: 0 });
    manifests.commitLocalBatch([fileChange(pathOwned("docs", true).replace("/f", "/g"))]);
    await clock.advance(100);
    expect(pushed).toEqual([]);
  });

  test(`a peer holds at most ${MAX_WATCHES_PER_PEER} watches here; renewing one it holds is always taken`, () => {
    const { relay } = setup(3);
    for (let i = 0; i < MAX_WATCHES_PER_PEER; i++) expect(relay.watch("w", { root: `f${i}`, ttlMs: 1000 }).watching).toBe(true);
    expect(relay.watch("w", { root: "one-more", ttlMs: 1000 }).watching).toBe(false);
    expect(relay.watch("w", { root: "f0", ttlMs: 1000 }).watching).toBe(true);
    // Another peer has its own allowance.
    expect(relay.watch("x", { root: "one-more", ttlMs: 1000 }).watching).toBe(true);
  });

  test("a feed asks every other ring member to watch its folder, renews while open, and ends the watch on close", async () => {
    const { clock, watchCalls, relay } = setup(3);
    const close = await relay.subscribe("docs");
    expect(watchCalls.map((c) => `${c.to} ${c.root} ${c.ttlMs}`).sort()).toEqual([`w docs ${WATCH_TTL_MS}`, `x docs ${WATCH_TTL_MS}`]);
    await clock.advance(WATCH_TTL_MS / 3);
    expect(watchCalls.length).toBe(4);
    close();
    await clock.advance(10);
    expect(watchCalls.slice(4).map((c) => `${c.to} ${c.root} ${c.ttlMs}`).sort()).toEqual(["w docs 0", "x docs 0"]);
    // No renewal once no feed is open.
    await clock.advance(WATCH_TTL_MS);
    expect(watchCalls.length).toBe(6);
  });

  test("a push carries at most MAX_PUSH_ENTRIES rows and a sync page's chunk ids, and one row whatever its size", () => {
    const row = (chunks: number) => ({ chunks: new Array<string>(chunks).fill("c") }) as Manifest;
    expect(pageLength(Array.from({ length: MAX_PUSH_ENTRIES + 5 }, () => row(1)))).toBe(MAX_PUSH_ENTRIES);
    expect(pageLength([row(MAX_SYNC_PAGE_CHUNKS / 2), row(MAX_SYNC_PAGE_CHUNKS / 2), row(1)])).toBe(2);
    expect(pageLength([row(MAX_SYNC_PAGE_CHUNKS + 1), row(1)])).toBe(1);
    expect(pageLength([])).toBe(0);
  });
});
