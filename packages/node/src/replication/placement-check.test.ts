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
        const fedOneAtATime = holders.some((self) => newOwnersToFeed(self, [o1], o2).includes(back) || newOwnersToFeed(self, [o2], o3).includes(back));
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

  test("a ring replaced longer ago than rememberMs no longer counts", async () => {
    const { fed, back } = await fedAfter(60_000);
    // Anti-entropy, not the placement check, repairs what a check this late misses.
    expect(fed).not.toContain(back);
  });
});
