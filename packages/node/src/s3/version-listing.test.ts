// The versioned keys' cursor: pages of the parent index in key order, and a jump past a common prefix that
// reads nothing below it (what keeps a ListObjectVersions page from walking a bucket's every version).
import { describe, expect, test } from "bun:test";
import { compareNames } from "../metadata/path.ts";
import { pastPrefix, VersionedKeys } from "./version-listing.ts";

/** A versionedKeys over a sorted key list that records where each read started. */
function index(keys: string[]) {
  const sorted = [...keys].sort(compareNames);
  const reads: string[] = [];
  return {
    reads,
    list: async () => [],
    versionedKeys: async (_dir: string, from: string, limit: number) => {
      reads.push(from);
      const dirs = sorted.filter((k) => compareNames(k, from) >= 0);
      return { dirs: dirs.slice(0, limit), done: dirs.length <= limit };
    },
  };
}

const drain = async (c: VersionedKeys) => {
  const out: string[] = [];
  for (let k = await c.peek(); k !== undefined; k = await c.peek()) {
    out.push(k);
    c.take();
  }
  return out;
};

describe("pastPrefix", () => {
  test("the smallest string above every string with the prefix", () => {
    expect(pastPrefix("a/")).toBe("a0");
    expect(pastPrefix("x")).toBe("y");
    expect(pastPrefix("a\u{10ffff}")).toBe("b");
    expect(pastPrefix("\u{10ffff}")).toBeUndefined();
    expect(compareNames(pastPrefix("a/")!, "a/\u{10ffff}zz")).toBeGreaterThan(0);
  });
});

describe("VersionedKeys", () => {
  test("answers the keys from its start on, in order, a page of the index at a time", async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `k${String(i).padStart(5, "0")}`);
    const idx = index(keys);
    expect(await drain(new VersionedKeys(idx, "b", "k00100"))).toEqual(keys.slice(100));
    expect(idx.reads).toEqual(["k00100", "k01099\u0000", "k02099\u0000"]);
  });

  test("skipPast seeks past a common prefix instead of reading the keys below it", async () => {
    const keys = ["a", ...Array.from({ length: 5000 }, (_, i) => `d/${i}`), "e", "f"];
    const idx = index(keys);
    const c = new VersionedKeys(idx, "b", "");
    expect(await c.peek()).toBe("a");
    c.take();
    expect(await c.peek()).toBe("d/0");
    c.skipPast("d/");
    expect(await drain(c)).toEqual(["e", "f"]);
    // One page read at the start, then one read that starts past "d/": the other 4000 keys below it are never read.
    expect(idx.reads).toEqual(["", "d0"]);
  });

  test("no versions: nothing, and no read", async () => {
    expect(await new VersionedKeys(undefined, "b", "").peek()).toBeUndefined();
  });

  test("a page cut short of its limit that is not the last (the members' pages merged) is read past", async () => {
    const pages = [{ dirs: ["a", "b"], done: false }, { dirs: ["c"], done: true }];
    const reads: string[] = [];
    const c = new VersionedKeys({ list: async () => [], versionedKeys: async (_d: string, from: string) => (reads.push(from), pages.shift()!) }, "b", "");
    expect(await drain(c)).toEqual(["a", "b", "c"]);
    expect(reads).toEqual(["", "b\u0000"]);
  });

  test("a key's versions are read with the next keys' read ahead, those the page will list only", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    const read: string[] = [];
    const idx = { ...index(keys), list: async (path: string) => (read.push(path), []) };
    const c = new VersionedKeys(idx, "b", "", (key) => key !== "k05");
    expect(await c.peek()).toBe("k00");
    c.take();
    await c.entriesOf("k00");
    expect(read).toEqual(["b/k00", ...keys.slice(1, 17).filter((k) => k !== "k05").map((k) => `b/${k}`)]);
    // Read once: the key asked for next was read ahead.
    c.take();
    await c.entriesOf("k01");
    expect(read.filter((p) => p === "b/k01")).toEqual(["b/k01"]);
  });
});
