// Bucket listings against a naive reference (sorted flat keys, filtered and rolled up), on random trees
// with names that sort around '/' ('-', '.', ' '), where tree order and key order disagree.
import { describe, expect, test } from "bun:test";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { compareNames, parentOf } from "../metadata/path.ts";
import { dirChange, fileChange, pick, seededRandom } from "../metadata/test-fixtures.ts";
import { type ListParams, listPage, type TreeSource } from "./list.ts";

function treeOf(files: string[], emptyDirs: string[] = []): { tree: TreeSource; keys: string[] } {
  const store = new MemoryManifestStore("n1");
  const dirs = new Set<string>(["bucket"]);
  for (const p of [...files, ...emptyDirs.map((d) => `${d}/x`)]) {
    for (let d = parentOf(`bucket/${p}`); d !== ""; d = parentOf(d)) dirs.add(d);
  }
  for (const d of emptyDirs) dirs.add(`bucket/${d}`);
  store.commitLocalBatch([...dirs].sort().map((d) => dirChange(d)));
  store.commitLocalBatch(files.map((f) => fileChange(`bucket/${f}`)));
  // Keys: files, and `dir/` for every directory that holds nothing.
  const keys = [...files];
  for (const d of dirs) {
    if (d !== "bucket" && store.children(d, { limit: 1 }).length === 0) keys.push(`${d.slice("bucket/".length)}/`);
  }
  keys.sort(compareNames);
  const tree: TreeSource = {
    lookup: async (p, kind) => {
      const m = store.get(p, kind);
      return m && !m.deleted ? m : undefined;
    },
    children: async (dir, after, limit) => store.children(dir, { after, limit }),
  };
  return { tree, keys };
}

/** The listing computed the obvious way over the sorted flat key list. */
function reference(keys: string[], p: ListParams): { items: string[]; truncated: boolean } {
  const items: string[] = [];
  for (const key of keys) {
    if (compareNames(key, p.after) <= 0 || !key.startsWith(p.prefix)) continue;
    const i = p.delimiter === "" ? -1 : key.indexOf(p.delimiter, p.prefix.length);
    if (i < 0) {
      items.push(key);
      continue;
    }
    const cp = key.slice(0, i + p.delimiter.length);
    if (cp !== items[items.length - 1] && cp !== p.after) items.push(`${cp}`);
  }
  return { items: items.slice(0, p.maxKeys), truncated: items.length > p.maxKeys };
}

const itemsOf = (page: Awaited<ReturnType<typeof listPage>>, keysInOrder: boolean) => {
  // Objects and common prefixes interleave in key order; the page keeps them apart, so merge.
  const all = [...page.objects.map((o) => o.key), ...page.commonPrefixes];
  return keysInOrder ? all.sort(compareNames) : all;
};

describe("bucket listings", () => {
  const files = ["a-b", "a.txt", "a/x", "a/y/z", "ab", "b", "a/y/w"];
  const { tree, keys } = treeOf(files, ["photos", "a/empty"]);

  test("a full listing is every key in byte order, empty directories as `dir/`", async () => {
    const page = await listPage(tree, "bucket", { prefix: "", delimiter: "", after: "", maxKeys: 1000 });
    expect(page.objects.map((o) => o.key)).toEqual(["a-b", "a.txt", "a/empty/", "a/x", "a/y/w", "a/y/z", "ab", "b", "photos/"]);
    expect(page.objects.map((o) => o.key)).toEqual(keys);
    expect(page.truncated).toBe(false);
  });

  test("delimiter '/' rolls directories up; a prefix narrows", async () => {
    const top = await listPage(tree, "bucket", { prefix: "", delimiter: "/", after: "", maxKeys: 1000 });
    expect(top.objects.map((o) => o.key)).toEqual(["a-b", "a.txt", "ab", "b"]);
    expect(top.commonPrefixes).toEqual(["a/", "photos/"]);
    const inA = await listPage(tree, "bucket", { prefix: "a/", delimiter: "/", after: "", maxKeys: 1000 });
    expect(inA.objects.map((o) => o.key)).toEqual(["a/x"]);
    expect(inA.commonPrefixes).toEqual(["a/empty/", "a/y/"]);
    const partial = await listPage(tree, "bucket", { prefix: "a", delimiter: "/", after: "", maxKeys: 1000 });
    expect(itemsOf(partial, true)).toEqual(["a-b", "a.txt", "a/", "ab"]);
    const marker = await listPage(tree, "bucket", { prefix: "photos/", delimiter: "/", after: "", maxKeys: 1000 });
    expect(marker.objects.map((o) => [o.key, o.kind])).toEqual([["photos/", "marker"]]);
  });

  test("pages chained by their last entry add up to the whole listing", async () => {
    for (const delimiter of ["", "/"]) {
      const whole = reference(keys, { prefix: "", delimiter, after: "", maxKeys: 1000 }).items;
      for (let maxKeys = 1; maxKeys <= 4; maxKeys++) {
        const got: string[] = [];
        let after = "";
        for (let i = 0; i < 20; i++) {
          const page = await listPage(tree, "bucket", { prefix: "", delimiter, after, maxKeys });
          got.push(...itemsOf(page, true));
          if (!page.truncated) break;
          after = page.last!;
        }
        expect({ delimiter, maxKeys, got }).toEqual({ delimiter, maxKeys, got: whole });
      }
    }
  });

  test("random trees, prefixes, delimiters, start keys and page sizes agree with the reference", async () => {
    const alphabet = ["a", "b", "-", ".", "ab", "a-", "a.b", " "];
    for (let seed = 1; seed <= 60; seed++) {
      const rand = seededRandom(seed);
      const seg = () => {
        const s = pick(rand, alphabet) + (rand() < 0.3 ? pick(rand, alphabet) : "");
        return s === "." || s === ".." ? `${s}a` : s;
      };
      const paths = new Set<string>();
      for (let i = 0; i < 25; i++) {
        const depth = 1 + Math.floor(rand() * 3);
        paths.add(Array.from({ length: depth }, seg).join("/"));
      }
      // A path cannot be both a file and a directory: drop files that are some other path's parent.
      const all = [...paths];
      const files = all.filter((p) => !all.some((q) => q.startsWith(`${p}/`)));
      const emptyDirs = rand() < 0.5 ? [`${seg()}-empty`] : [];
      const { tree: t, keys: k } = treeOf(files, emptyDirs.filter((d) => !files.some((f) => f === d || f.startsWith(`${d}/`))));
      for (let q = 0; q < 15; q++) {
        const prefix = rand() < 0.4 ? "" : pick(rand, k).slice(0, Math.floor(rand() * 4));
        const delimiter = pick(rand, ["", "/", "/", "-", "."]);
        const after = rand() < 0.5 ? "" : rand() < 0.5 ? pick(rand, k) : pick(rand, k).slice(0, 2);
        const maxKeys = 1 + Math.floor(rand() * 6);
        const p = { prefix, delimiter, after, maxKeys };
        const page = await listPage(t, "bucket", p);
        const want = reference(k, p);
        expect({ seed, p, items: itemsOf(page, true), truncated: page.truncated }).toEqual({ seed, p, ...want });
      }
    }
  });
});
