import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { logger } from "../log.ts";
import { testMember } from "../membership/test-member.ts";
import type { MemberState } from "../membership/types.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { MemoryReplicationQueue } from "./memory-queue.ts";
import { newOwnersToFeed, PlacementCheck } from "./placement-check.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const ids = ["a", "b", "c", "d", "e", "f"];
const view = (states: Record<string, MemberState>) => ids.map((id) => testMember(id, states[id] ?? "alive"));

function ownersUnder(states: Record<string, MemberState>, chunkId: string): string[] {
  const p = new Placement(3, h, 16);
  p.update(view(states));
  return p.owners(chunkId);
}

/** The rule before seeds 214 and 871: only the first owner present under every ring sends. */
function firstStayedFeeds(selfId: string, before: readonly (readonly string[])[], after: readonly string[]): string[] {
  const added = after.filter((id) => id !== selfId && before.some((set) => !set.includes(id)));
  const stayed = after.filter((id) => before.every((set) => set.includes(id)));
  return added.length > 0 && (stayed.length > 0 ? stayed[0] : selfId) === selfId ? added : [];
}

/**
 * A chunk and two members for the sequence the simulator found (seed 214): `back` was dead when the chunk
 * was written, comes back and becomes an owner; then `dies`, an owner under both earlier rings, dies. Checked
 * one change at a time, every holder leaves feeding `back` to someone else, so nobody does.
 */
function sequenceFound(): { data: Uint8Array; chunkId: string; back: string; dies: string } {
  for (let i = 0; i < 5000; i++) {
    const data = new TextEncoder().encode(`chunk ${i}`);
    const chunkId = createHash("sha256").update(data).digest("hex");
    for (const back of ids) {
      for (const dies of ids) {
        if (back === dies) continue;
        const o1 = ownersUnder({ [back]: "dead" }, chunkId);
        const o2 = ownersUnder({}, chunkId);
        const o3 = ownersUnder({ [dies]: "dead" }, chunkId);
        if (o1.includes(back) || !o2.includes(back) || !o3.includes(back) || !o1.includes(dies)) continue;
        const holders = o1.filter((id) => id !== dies);
        const fedOneAtATime = holders.some((self) => firstStayedFeeds(self, [o1], o2).includes(back) || firstStayedFeeds(self, [o2], o3).includes(back));
        if (!fedOneAtATime) return { data, chunkId, back, dies };
      }
    }
  }
  throw new Error("no such sequence among 5000 chunks");
}

/** Runs the sequence on every node that holds the chunk, with `gapMs` between the two changes; who is fed. */
async function fedAfter(gapMs: number): Promise<{ fed: string[]; back: string }> {
  const { data, chunkId, back, dies } = sequenceFound();
  const holders = ownersUnder({ [back]: "dead" }, chunkId).filter((id) => id !== dies);
  const fed: string[] = [];
  for (const self of holders) {
    const clock = new ManualClock();
    const placement = new Placement(3, h, 16);
    const store = new MemoryChunkStore({ maxChunkSize: 1024 });
    await store.put(chunkId, data);
    const queue = new MemoryReplicationQueue();
    const check = new PlacementCheck({ debounceMs: 1000, rememberMs: 30_000 }, { selfId: self, placement, store, queue, clock, log: logger("test") });
    placement.update(view({ [back]: "dead" }));
    check.ringChanged(placement.update(view({}))!); // `back` returns
    await clock.advance(gapMs);
    check.ringChanged(placement.update(view({ [dies]: "dead" }))!); // then `dies` dies
    await clock.advance(5000);
    fed.push(...queue.due(clock.now() + 60_000, 100).filter((r) => r.chunkId === chunkId).map((r) => r.target));
  }
  return { fed, back };
}

describe("PlacementCheck", () => {
  test("an owner that returns and then sees another owner die is still fed (rings remembered across checks)", async () => {
    const { fed, back } = await fedAfter(5000);
    expect(fed).toContain(back);
  });

  test("with the first ring long forgotten, every holder that kept its place still feeds the returned owner", async () => {
    const { fed, back } = await fedAfter(60_000);
    expect(fed).toContain(back);
  });

  test("the rings a burst of joins replaced are forgotten once the window after the last passed, with nobody asking", async () => {
    const clock = new ManualClock();
    const placement = new Placement(3, h, 16, { ms: 30_000, now: () => clock.elapsed() });
    const check = new PlacementCheck({ debounceMs: 1000, rememberMs: 30_000 }, { selfId: "a", placement, store: new MemoryChunkStore({ maxChunkSize: 1024 }), queue: new MemoryReplicationQueue(), clock, log: logger("test") });
    const joined: string[] = ["a"];
    placement.update(joined.map((id) => testMember(id)));
    for (let i = 0; i < 20; i++) {
      joined.push(`n${i}`);
      const factor = placement.factorView();
      const previous = placement.update(joined.map((id) => testMember(id)))!;
      check.ringChanged(previous, factor);
      await clock.advance(500); // a join every half second, as during a cluster's start
    }
    // Within the window of the last change every replaced ring still counts (quorums and later checks need them).
    expect(placement.settlingRings).toBe(20);
    expect(check.rememberedRings).toBe(20);
    await clock.advance(20_000);
    expect(check.rememberedRings).toBeGreaterThan(0);
    expect(placement.settlingRings).toBeGreaterThan(0);
    // The window after the last change passed; no write or read asked for owner sets meanwhile.
    await clock.advance(11_000);
    expect(placement.settlingRings).toBe(0);
    expect(check.rememberedRings).toBe(0);
    await check.stop();
  });

  test("every old owner offers (the target's HAS answer stops the second copy); a new owner does not", () => {
    expect(newOwnersToFeed("a", [["a", "b", "c"]], ["a", "b", "d"])).toEqual(["d"]);
    expect(newOwnersToFeed("b", [["a", "b", "c"]], ["a", "b", "d"])).toEqual(["d"]);
    expect(newOwnersToFeed("d", [["a", "b", "c"]], ["a", "b", "d"])).toEqual([]);
    expect(firstStayedFeeds("b", [["a", "b", "c"]], ["a", "b", "d"])).toEqual([]);
  });
});
