import { beforeAll, describe, expect, test } from "bun:test";
import type { OrreryError } from "../errors.ts";
import { logger } from "../log.ts";
import { testMember } from "../membership/test-member.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { type SearchHit, toSearchHit } from "../metadata/name-search.ts";
import { deleteChange, dirChange, FakeTime, fileChange } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { mergeSearchAnswers, searchCluster } from "./cluster-search.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const hit = (path: string, version: string, deleted = false): SearchHit => ({ path, kind: "file", version, deleted, size: 1, mtime: 1, sha256: null, chunks: 0 });
const v = (n: number) => `${String(n).padStart(18, "0")}@${"a".repeat(16)}`;

describe("mergeSearchAnswers", () => {
  test("rows up to where a member's page was cut, the newest of each path winning, deletions included", () => {
    const merged = mergeSearchAnswers([
      { hits: [hit("d/a", v(1)), hit("d/b", v(1)), hit("d/c", v(1))], more: true },
      { hits: [hit("d/a", v(2), true), hit("d/b", v(1)), hit("d/e", v(1))], more: false },
    ]);
    expect(merged.hits.map((x) => [x.path, x.version, x.deleted])).toEqual([
      ["d/a", v(2), true],
      ["d/b", v(1), false],
      ["d/c", v(1), false],
    ]);
    // d/e lies beyond the first member's cut: that member may hold a newer row of it, asked in the next round.
    expect(merged.resumeAfter).toBe("d/c");
    expect(mergeSearchAnswers([{ hits: [hit("d/e", v(1))], more: false }])).toEqual({ hits: [hit("d/e", v(1))] });
  });
});

describe("searchCluster", () => {
  /** Three members that each hold some of the rows; `down` members fail every call. */
  function cluster(down: string[] = []) {
    const time = new FakeTime();
    const stores = Object.fromEntries(["a", "b", "c"].map((id) => [id, new MemoryManifestStore(id, time.now)]));
    const { a, b, c } = stores as Record<"a" | "b" | "c", MemoryManifestStore>;
    a.commitLocalBatch([dirChange("d"), fileChange("d/x-1"), fileChange("d/x-2"), fileChange("d/sub/x-3")]);
    b.apply([a.get("d/x-1", "file")!]);
    b.commitLocal(deleteChange("d/x-1")); // deleted through b: a still holds its live row
    // Deletions c holds of names that match, more than a page's worth: the merge takes several rounds.
    c.commitLocalBatch(Array.from({ length: 9 }, (_, i) => fileChange(`d/old/x-${i}`)));
    c.commitLocalBatch(Array.from({ length: 9 }, (_, i) => deleteChange(`d/old/x-${i}`)));
    c.commitLocal(fileChange("d/zz/x-4"));
    const placement = new Placement(3, h, 16);
    placement.update(["a", "b", "c"].map((id) => testMember(id)));
    const calls: string[] = [];
    const rpc = {
      selfId: "a",
      call: async (id: string, method: string, body: { dir: string; text: string; after?: string; limit: number }) => {
        calls.push(`${id}:${method}`);
        if (down.includes(id)) throw new Error(`${id} is down`);
        const page = stores[id]!.searchNames(body.dir, body.text, { after: body.after, limit: body.limit, tombstones: true });
        return { hits: page.rows.map(toSearchHit), more: page.more };
      },
    } as unknown as PeerRpc;
    return { placement, rpc, calls, log: logger("test") };
  }

  test("every member's rows, merged: a file deleted on one member is not found, pages follow on", async () => {
    const c = cluster();
    const all = await searchCluster(c, "d", "X-", { limit: 100 });
    expect(all).toEqual({ rows: all.rows, more: false });
    expect(all.rows.map((r) => r.path)).toEqual(["d/sub/x-3", "d/x-2", "d/zz/x-4"]);

    const paged: string[] = [];
    let after: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(10);
      const page = await searchCluster(c, "d", "x-", { after, limit: 1 });
      paged.push(...page.rows.map((r) => r.path));
      if (!page.more) break;
      after = page.next;
    }
    expect(paged).toEqual(["d/sub/x-3", "d/x-2", "d/zz/x-4"]);
    expect(c.calls.filter((x) => x.startsWith("c:")).length).toBeGreaterThan(3); // the deletions took rounds
  });

  test("an answer outside the folder, before `after` or out of order counts as a member that did not answer", async () => {
    for (const bad of [[hit("e/x-9", v(1))], [hit("d/x-2", v(1)), hit("d/sub/x-3", v(1))], [hit("d/a", v(1))]]) {
      const c = cluster();
      const call = c.rpc.call.bind(c.rpc);
      (c.rpc as { call: unknown }).call = async (id: string, method: string, body: unknown) => (id === "c" ? { hits: bad, more: false } : call(id, method as never, body as never));
      const page = await searchCluster(c, "d", "x-", { after: "d/b", limit: 100 });
      expect(page.rows.map((r) => r.path)).toEqual(["d/sub/x-3", "d/x-2"]);
    }
  });

  test("one member of three down: the others are a quorum of every partition; two down: 503", async () => {
    const one = await searchCluster(cluster(["c"]), "d", "x-", { limit: 100 });
    expect(one.rows.map((r) => r.path)).toEqual(["d/sub/x-3", "d/x-2"]);
    const err = await searchCluster(cluster(["b", "c"]), "d", "x-", { limit: 100 }).catch((e: OrreryError) => e);
    expect([(err as OrreryError).status, (err as OrreryError).code]).toEqual([503, "read_quorum_unreachable"]);
  });
});

describe("Placement.readsEveryPartition", () => {
  test("a quorum of every arc's owners, under the current ring and the ones replaced within the settle window", () => {
    let now = 0;
    const p = new Placement(3, h, 16, { ms: 30_000, now: () => now });
    const ids = ["a", "b", "c", "d", "e"];
    p.update(ids.map((id) => testMember(id)));
    expect(p.readsEveryPartition(() => true)).toBe(true);
    expect(p.readsEveryPartition((id) => id !== "a")).toBe(true);
    // Two owners of one folder's partition missing: that partition has one answer of the two it needs.
    const [x, y] = p.manifestOwners("some/folder/file");
    expect(p.readsEveryPartition((id) => id !== x && id !== y)).toBe(false);
    expect(p.partitionHolders().sort()).toEqual(ids);
  });

  test("rings replaced within the settle window count too: a node that was alone must answer until it is settled", () => {
    let now = 0;
    const p = new Placement(3, h, 16, { ms: 30_000, now: () => now });
    p.update([testMember("a")]);
    p.update(["a", "b", "c"].map((id) => testMember(id)));
    // b and c are a quorum of every partition of the current ring, but what a quorum took while a was alone is a's only.
    expect(p.readsEveryPartition((id) => id !== "a")).toBe(false);
    expect(p.readsEveryPartition((id) => id !== "b")).toBe(true);
    now = 30_001;
    expect(p.readsEveryPartition((id) => id !== "a")).toBe(true);
  });
});
