// Merging the members' pages of versions folders: the union in code point order, cut where a full page of one
// member stops (its later folders were not answered), so a page never passes over a folder only it holds.
import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import type { MemberState } from "../membership/types.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { fileChange } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { Placement } from "./placement.ts";
import { mergePages, VersionedDirs } from "./versioned-dirs.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const noStore = { put: async () => ({ created: false }), get: async (): Promise<Uint8Array> => new Uint8Array(), has: () => false };
const ROOT = ".orrery-versions/b";

/**
 * Node "a" asking b, c, d (RF 3), each holding the versions folders of some keys: `dead` ones are off the ring,
 * `silent` ones on it but unreachable; `answer` overrides what one answers.
 */
function cluster(opts: { dead?: string[]; silent?: string[]; answer?: Record<string, string[]> } = {}) {
  const net = new MemoryNetwork();
  const held: Record<string, string[]> = { a: ["k1"], b: ["k2"], c: ["k3"], d: ["k1", "k4"] };
  for (const id of ["b", "c", "d"]) {
    const store = new MemoryManifestStore(id);
    store.commitLocalBatch(held[id]!.map((k) => fileChange(`${ROOT}/${k}/v1`)));
    net.register(id, {
      store: noStore,
      handlers: { "manifests.parents": (_from, body) => ({ parents: opts.answer?.[id] ?? store.parentsBelow(body.dir, body.from, body.limit) }) },
    });
    if (opts.dead?.includes(id) || opts.silent?.includes(id)) net.setDown(id, true);
  }
  const manifests = new MemoryManifestStore("a");
  manifests.commitLocalBatch(held.a!.map((k) => fileChange(`${ROOT}/${k}/v1`)));
  const placement = new Placement(3, h, 16);
  const state = (id: string): MemberState => (opts.dead?.includes(id) ? "dead" : "alive");
  placement.update(["a", "b", "c", "d"].map((id) => testMember(id, state(id))));
  return new VersionedDirs({ selfId: "a", manifests, placement, rpc: net.register("a", { store: noStore, handlers: {} }) });
}

const dirs = (...keys: string[]) => keys.map((k) => `${ROOT}/${k}`);

describe("VersionedDirs.page", () => {
  test("the folders every member holds, this node's too, in order", async () => {
    expect(await cluster().page(ROOT, "", 10)).toEqual({ dirs: dirs("k1", "k2", "k3", "k4"), done: true });
  });

  test("one member missing (dead or silent) of RF 3: what the others hold; two silent: 503", async () => {
    expect((await cluster({ silent: ["b"] }).page(ROOT, "", 10)).dirs).toEqual(dirs("k1", "k3", "k4"));
    expect((await cluster({ dead: ["c"] }).page(ROOT, "", 10)).dirs).toEqual(dirs("k1", "k2", "k4"));
    await expect(cluster({ silent: ["b", "d"] }).page(ROOT, "", 10)).rejects.toMatchObject({ status: 503, code: "read_quorum_unreachable" });
    // A dead member is off the ring, and its partitions' new owners are the quorum once the ring it was on has
    // settled (this placement keeps no replaced rings): with b dead, a and d are two of the three owners {a, c, d}.
    expect((await cluster({ dead: ["b"], silent: ["c"] }).page(ROOT, "", 10)).dirs).toEqual(dirs("k1", "k4"));
  });

  test("an answer out of order or outside the root counts as a member missing, and is not believed", async () => {
    expect((await cluster({ answer: { b: dirs("k9", "k2") } }).page(ROOT, "", 10)).dirs).toEqual(dirs("k1", "k3", "k4"));
    await expect(cluster({ silent: ["c"], answer: { b: [".orrery-versions/other/x"] } }).page(ROOT, "", 10)).rejects.toMatchObject({ status: 503 });
  });
});

describe("mergePages", () => {
  test("pages shorter than the limit: their union, in order, and nothing follows", () => {
    expect(mergePages([["v/b", "v/d"], ["v/a", "v/b"], []], 3)).toEqual({ dirs: ["v/a", "v/b", "v/d"], done: true });
  });

  test("a full page cuts the union at its last folder: another member's later ones wait for the next page", () => {
    // The first member answered 2 of possibly more: it may hold v/c, which sorts before v/e.
    expect(mergePages([["v/a", "v/b"], ["v/e"]], 2)).toEqual({ dirs: ["v/a", "v/b"], done: false });
  });

  test("a union longer than the limit is cut to it and is not the last page", () => {
    expect(mergePages([["v/a"], ["v/b"], ["v/c"]], 2)).toEqual({ dirs: ["v/a", "v/b"], done: false });
  });

  test("code point order, not UTF-16 units (the store's order): U+FF5E before an astral character", () => {
    expect(mergePages([["v/\u{1F600}"], ["v/\uFF5E"]], 5).dirs).toEqual(["v/\uFF5E", "v/\u{1F600}"]);
  });
});
