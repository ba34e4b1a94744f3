// The tombstone horizon on the returning node's side: a node told it was forgotten wipes its manifests and
// serves nothing until a whole sync round from a peer completed; a crash midway resumes the resync.
import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { answerSyncRequest, runSyncRound } from "../metadata/sync.ts";
import { deleteChange, FakeTime, fileChange } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { logger } from "../log.ts";
import { initialResyncState, ManifestResync, type ResyncPersistence } from "./manifest-resync.ts";
import type { ManifestReplicator } from "./manifest-replicator.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

/** The parts of ManifestReplicator the resync uses, pulling straight from peer stores. */
function fakeReplicator(self: ManifestStore, peers: Map<string, ManifestStore>, reachable: () => boolean) {
  let done = false;
  return {
    async quiesce() {},
    reset() {
      done = false;
    },
    roundCompleted: () => done,
    async syncWith(id: string) {
      if (!reachable()) throw new Error("unreachable");
      const round = await runSyncRound(self, (req) => answerSyncRequest(peers.get(id)!, req));
      if (round.complete) done = true;
      return round.applied;
    },
  } as unknown as ManifestReplicator;
}

function memoryPersistence(): ResyncPersistence & { value: { seqFloor: number } | undefined } {
  const p = {
    value: undefined as { seqFloor: number } | undefined,
    load: () => p.value,
    save: (v: { seqFloor: number } | undefined) => void (p.value = v),
  };
  return p;
}

describe("ManifestResync", () => {
  test("the state a node starts in", () => {
    expect(initialResyncState({ waitForPeers: false, leftBefore: false }, false)).toBe("ready");
    expect(initialResyncState({ waitForPeers: true, leftBefore: false }, false)).toBe("waiting");
    expect(initialResyncState({ waitForPeers: true, leftBefore: true }, false)).toBe("resyncing");
    expect(initialResyncState({ waitForPeers: false, leftBefore: false }, true)).toBe("resyncing");
  });

  test("waiting serves nothing until a peer's full state says ok", () => {
    const time = new FakeTime();
    const a = new MemoryManifestStore("a", time.now);
    const placement = new Placement(3, h, 8);
    const r = new ManifestResync(
      { waitForPeers: true, leftBefore: false, retryMs: 1 },
      { selfId: "a", manifests: a, replicator: fakeReplicator(a, new Map(), () => true), placement, persistence: memoryPersistence(), log: logger("test") },
    );
    r.start();
    expect(r.state).toBe("waiting");
    expect(r.notServing()).toContain("not heard from its cluster");
    r.report("ok");
    expect(r.state).toBe("ready");
    expect(r.notServing()).toBeUndefined();
  });

  test("forgotten: the stale live row is wiped, peers' rows come back, own seqs continue above the old ones", async () => {
    const time = new FakeTime();
    const a = new MemoryManifestStore("a", time.now);
    const b = new MemoryManifestStore("b", time.now);
    a.commitLocal(fileChange("kept"));
    a.commitLocal(fileChange("gone"));
    for (const [to, from] of [[b, a], [a, b]] as const) await runSyncRound(to, (req) => answerSyncRequest(from, req));
    // While a was away (and forgotten), b deleted "gone" and collected the tombstone.
    b.commitLocal(deleteChange("gone"));
    b.purgeTombstones(() => true, 10);
    const ownSeq = a.marks().a!;

    const placement = new Placement(3, h, 8);
    placement.update([testMember("a"), testMember("b")]);
    let reachable = false;
    const persistence = memoryPersistence();
    const r = new ManifestResync(
      { waitForPeers: true, leftBefore: false, retryMs: 1 },
      { selfId: "a", manifests: a, replicator: fakeReplicator(a, new Map([["b", b]]), () => reachable), placement, persistence, log: logger("test") },
    );
    r.start();
    r.report("forgotten");
    expect(r.state).toBe("resyncing");
    expect(r.notServing()).toContain("resyncing");
    await Bun.sleep(20); // b unreachable: still resyncing, nothing served
    expect(r.state).toBe("resyncing");
    expect(persistence.value).toEqual({ seqFloor: ownSeq });
    expect(a.get("gone")).toBeUndefined();
    reachable = true;
    for (let i = 0; i < 100 && r.state !== "ready"; i++) await Bun.sleep(5);
    expect(r.state).toBe("ready");
    expect(r.resyncs).toBe(1);
    expect(persistence.value).toBeUndefined();
    expect(a.get("gone")).toBeUndefined();
    expect(a.get("kept")?.deleted).toBe(false);
    expect(a.commitLocal(fileChange("new")).seq).toBe(ownSeq + 1);
    await r.stop();
  });

  test("a resync interrupted by a crash resumes at the next start, with the seq floor it recorded", async () => {
    const time = new FakeTime();
    const a = new MemoryManifestStore("a", time.now);
    const b = new MemoryManifestStore("b", time.now);
    b.commitLocal(fileChange("b-file"));
    const persistence = memoryPersistence();
    persistence.value = { seqFloor: 41 };
    const placement = new Placement(3, h, 8);
    placement.update([testMember("a"), testMember("b")]);
    const r = new ManifestResync(
      { waitForPeers: true, leftBefore: false, retryMs: 1 },
      { selfId: "a", manifests: a, replicator: fakeReplicator(a, new Map([["b", b]]), () => true), placement, persistence, log: logger("test") },
    );
    expect(r.state).toBe("resyncing");
    r.start();
    for (let i = 0; i < 100 && r.state !== "ready"; i++) await Bun.sleep(5);
    expect(r.state).toBe("ready");
    expect(a.get("b-file")?.deleted).toBe(false);
    expect(a.commitLocal(fileChange("x")).seq).toBe(42);
  });
});
