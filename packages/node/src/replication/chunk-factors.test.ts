// A chunk's replication factor from its folders (pure), looked up through the manifests' chunk index, and
// what Placement and the placement check make of it.
import { beforeAll, describe, expect, test } from "bun:test";
import { logger } from "../log.ts";
import { testMember } from "../membership/test-member.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { dirChange, fileChange, hexId } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ChunkFactors, chunkFactor } from "./chunk-factors.ts";
import { MemoryReplicationQueue } from "./memory-queue.ts";
import { PlacementCheck } from "./placement-check.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const folders = (o: Record<string, number>) => new Map(Object.entries(o));

describe("chunkFactor", () => {
  test("the largest factor among the folders referencing the chunk; a folder without its own counts the cluster's", () => {
    expect(chunkFactor(["a"], folders({ a: 2, b: 4 }), 3)).toBe(2);
    expect(chunkFactor(["a", "b"], folders({ a: 2, b: 4 }), 3)).toBe(4);
    expect(chunkFactor(["b", "a"], folders({ a: 2, b: 4 }), 3)).toBe(4);
    // Shared with a folder at the cluster's factor (or a file at the root, ""): it keeps the cluster's 3.
    expect(chunkFactor(["a", "c"], folders({ a: 2 }), 3)).toBe(3);
    expect(chunkFactor(["a", ""], folders({ a: 2 }), 3)).toBe(3);
    expect(chunkFactor(["c"], folders({ a: 2 }), 3)).toBe(3);
    expect(chunkFactor(["a", "b"], folders({ a: 1, b: 1 }), 3)).toBe(1);
  });

  test("a chunk no file references yet is at the cluster's factor, or at the factor of the write holding it", () => {
    expect(chunkFactor([], folders({ a: 2 }), 3)).toBe(3);
    expect(chunkFactor([], folders({ a: 2 }), 3, 5)).toBe(5);
    expect(chunkFactor([], folders({ a: 2 }), 3, 2)).toBe(2);
    // A write holding it at 5 and a file of /a at 2: the larger.
    expect(chunkFactor(["a"], folders({ a: 2 }), 3, 5)).toBe(5);
    expect(chunkFactor(["b"], folders({ b: 4 }), 3, 2)).toBe(4);
  });
});

describe("ChunkFactors", () => {
  function setup() {
    const manifests = new MemoryManifestStore("a");
    const factors = new ChunkFactors((id) => manifests.chunkFolders(id));
    const shared = hexId("shared");
    manifests.commitLocalBatch([
      dirChange("a"),
      dirChange("b"),
      { ...fileChange("a/x", 8, "ax"), chunks: [hexId("ax:0"), shared] },
      { ...fileChange("b/y", 8, "by"), chunks: [hexId("by:0"), shared] },
    ]);
    return { manifests, factors, shared };
  }

  test("follows the folder factors in force and the manifests' references; no lookup without folder factors", () => {
    const { manifests, factors, shared } = setup();
    let lookups = 0;
    const counted = new ChunkFactors((id) => (lookups++, manifests.chunkFolders(id)));
    expect(counted.factorOf(shared, 3)).toBe(3);
    expect(lookups).toBe(0);
    expect(factors.setFolderFactors({ a: 2, b: 4 })).toBe(true);
    expect(factors.setFolderFactors({ b: 4, a: 2 })).toBe(false);
    expect([factors.factorOf(hexId("ax:0"), 3), factors.factorOf(hexId("by:0"), 3), factors.factorOf(shared, 3)]).toEqual([2, 4, 4]);
    // /b/y deleted: the shared chunk is /a's alone now.
    manifests.commitLocal({ ...dirChange("b/y"), kind: "file", deleted: true, chunkSize: 0, sha256: null, size: 0, chunks: [], mtime: 2 });
    expect(factors.factorOf(shared, 3)).toBe(2);
    expect(factors.forPath("a/deep/new.jpg", 3)).toBe(2);
    expect(factors.forPath("c/new", 3)).toBe(3);
    expect(factors.forPath("a", 3)).toBe(3); // a file named "a" at the root is in no folder
    expect(factors.folderFactors()).toEqual({ a: 2, b: 4 });
  });

  test("a frozen lookup keeps the folder factors of its moment", () => {
    const { factors, shared } = setup();
    factors.setFolderFactors({ a: 2, b: 4 });
    const before = factors.frozen();
    factors.setFolderFactors({ a: 2 });
    expect([before(shared, 3), factors.factorOf(shared, 3)]).toEqual([4, 3]);
  });

  test("a write holds its chunks at its folder's factor until it releases them", () => {
    const { factors } = setup();
    factors.setFolderFactors({ big: 5 });
    const fresh = hexId("fresh");
    const release = factors.hold(fresh, 5);
    const again = factors.hold(fresh, 2);
    expect(factors.factorOf(fresh, 3)).toBe(5);
    release();
    release(); // twice is once
    expect(factors.factorOf(fresh, 3)).toBe(2);
    again();
    expect(factors.factorOf(fresh, 3)).toBe(3);
  });
});

describe("Placement with folder factors", () => {
  const ids = ["n1", "n2", "n3", "n4", "n5"];

  function placed() {
    const manifests = new MemoryManifestStore("n1");
    const factors = new ChunkFactors((id) => manifests.chunkFolders(id));
    const placement = new Placement(3, h, 16);
    placement.useChunkFactors(factors);
    placement.update(ids.map((id) => testMember(id)));
    return { manifests, factors, placement };
  }

  test("each chunk is owned by as many members as its factor asks, bounded by the members there are", () => {
    const { manifests, factors, placement } = placed();
    const [a, b] = [hexId("a-chunk"), hexId("b-chunk")];
    manifests.commitLocalBatch([dirChange("a"), dirChange("b"), { ...fileChange("a/x", 4, "a-x"), chunks: [a] }, { ...fileChange("b/x", 4, "b-x"), chunks: [b] }]);
    const fingerprint = placement.fingerprint();
    expect([placement.owners(a).length, placement.owners(b).length]).toEqual([3, 3]);
    factors.setFolderFactors({ a: 2, b: 7 });
    expect(placement.fingerprint()).not.toBe(fingerprint);
    expect([placement.chunkFactor(a), placement.chunkFactor(b)]).toEqual([2, 5]);
    expect([placement.owners(a).length, placement.owners(b).length]).toEqual([2, 5]);
    // Fewer owners are the first of more: lowering a factor only sheds copies, raising it only adds some.
    expect(placement.owners(b).slice(0, 3)).toEqual(placement.ring.replicaSet(b, 3));
    expect(placement.keepers(a)).toEqual(placement.owners(a));
    // Writes: the folder's factor, bounded; quorum of it.
    expect([placement.writeFactorFor("b/new"), placement.bound(placement.writeFactorFor("b/new"))]).toEqual([7, 5]);
    expect([placement.required("quorum", 2), placement.required("quorum", 5), placement.required("quorum")]).toEqual([2, 3, 2]);
    expect(placement.owners(hexId("new"), 4)).toHaveLength(4);
  });

  test("a folder's new factor reaches its chunks through the placement check: new owners fed, other chunks untouched", async () => {
    const { manifests, factors, placement } = placed();
    const clock = new ManualClock();
    const store = new MemoryChunkStore({ maxChunkSize: 1024 }, { now: () => clock.now() });
    const queue = new MemoryReplicationQueue();
    const check = new PlacementCheck({ debounceMs: 100, rememberMs: 0 }, { selfId: "n1", placement, store, queue, log: logger("test"), clock });
    // Chunks this node holds as an owner, in /a and in /c.
    const held: Record<string, string[]> = { a: [], c: [] };
    for (let i = 0; held.a!.length < 3 || held.c!.length < 3; i++) {
      const data = new TextEncoder().encode(`chunk ${i}`);
      const id = new Bun.CryptoHasher("sha256").update(data).digest("hex");
      if (!placement.owners(id).includes("n1")) continue;
      const folder = held.a!.length < 3 ? "a" : "c";
      await store.put(id, data);
      manifests.commitLocal({ ...fileChange(`${folder}/f${i}`, 4, `f${i}`), chunks: [id] });
      held[folder]!.push(id);
    }
    const before = placement.factorView();
    factors.setFolderFactors({ a: 5 });
    check.ringChanged(placement.ring, before);
    await clock.advance(5000);
    const queued = queue.due(Number.MAX_SAFE_INTEGER, 100);
    expect(new Set(queued.map((r) => r.chunkId))).toEqual(new Set(held.a));
    for (const id of held.a!) {
      const added = placement.owners(id).filter((o) => !placement.ring.replicaSet(id, 3).includes(o));
      expect(queued.filter((r) => r.chunkId === id).map((r) => r.target).sort()).toEqual(added.sort());
    }
  });
});
