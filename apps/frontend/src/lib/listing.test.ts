import { expect, test } from "bun:test";
import type { Entry } from "./api.ts";
import { ariaSort, DEFAULT_SORT, entryKey, fileSizeTitle, filterEntries, folderSize, formatSort, nextSort, parseSort, sharedNames, sortEntries } from "./listing.ts";

const file = (name: string, size: number, mtime: number): Entry => ({ name, path: `/${name}`, kind: "file", size, mtime, version: "v" });
const dir = (name: string, mtime = 0): Entry => ({ name, path: `/${name}`, kind: "dir", size: 0, mtime, version: "v" });

const entries = [file("b 10.txt", 300, 3), dir("Photos", 9), file("b 2.txt", 100, 1), dir("archive", 1), file("A.txt", 200, 2), file("c.txt", 200, 5)];
const names = (es: Entry[]) => es.map((e) => e.name);

test("by name: folders first, then files as people sort them (2 before 10, case ignored); reversed on request", () => {
  expect(names(sortEntries(entries, DEFAULT_SORT))).toEqual(["archive", "Photos", "A.txt", "b 2.txt", "b 10.txt", "c.txt"]);
  expect(names(sortEntries(entries, { key: "name", dir: "desc" }))).toEqual(["Photos", "archive", "c.txt", "b 10.txt", "b 2.txt", "A.txt"]);
});

test("by size and by modification time: folders still first; ties in name order", () => {
  expect(names(sortEntries(entries, { key: "size", dir: "desc" }))).toEqual(["archive", "Photos", "b 10.txt", "A.txt", "c.txt", "b 2.txt"]);
  expect(names(sortEntries(entries, { key: "size", dir: "asc" }))).toEqual(["archive", "Photos", "b 2.txt", "A.txt", "c.txt", "b 10.txt"]);
  expect(names(sortEntries(entries, { key: "mtime", dir: "desc" }))).toEqual(["Photos", "archive", "c.txt", "b 10.txt", "A.txt", "b 2.txt"]);
  expect(names(sortEntries(entries, { key: "mtime", dir: "asc" }))).toEqual(["archive", "Photos", "b 2.txt", "A.txt", "b 10.txt", "c.txt"]);
});

test("a click on the same header flips it; another header starts A→Z for names, largest and newest first otherwise", () => {
  expect(nextSort(DEFAULT_SORT, "name")).toEqual({ key: "name", dir: "desc" });
  expect(nextSort(DEFAULT_SORT, "size")).toEqual({ key: "size", dir: "desc" });
  expect(nextSort({ key: "size", dir: "desc" }, "mtime")).toEqual({ key: "mtime", dir: "desc" });
  expect(nextSort({ key: "mtime", dir: "desc" }, "name")).toEqual({ key: "name", dir: "asc" });
  expect(ariaSort({ key: "size", dir: "desc" }, "size")).toBe("descending");
  expect(ariaSort({ key: "size", dir: "desc" }, "name")).toBe("none");
});

test("a saved order is read back; anything else is the default", () => {
  expect(parseSort(formatSort({ key: "mtime", dir: "asc" }))).toEqual({ key: "mtime", dir: "asc" });
  for (const bad of [null, "", "owner:asc", "size:up", "size"]) expect(parseSort(bad)).toEqual(DEFAULT_SORT);
});

test("the filter keeps names holding every word, case and accents ignored", () => {
  const more = [...entries, file("Résumé 2026.pdf", 1, 1)];
  expect(names(filterEntries(more, "TXT b"))).toEqual(["b 10.txt", "b 2.txt"]);
  expect(names(filterEntries(more, "resume"))).toEqual(["Résumé 2026.pdf"]);
  expect(filterEntries(more, "  ")).toHaveLength(more.length);
  expect(filterEntries(more, "zzz")).toEqual([]);
});

test("a file and a folder of one name are two entries: keyed apart, the file marked", () => {
  const listing = [
    { kind: "dir", name: "bar", path: "/foo/bar" },
    { kind: "file", name: "bar", path: "/foo/bar" },
    { kind: "file", name: "baz", path: "/foo/baz" },
    { kind: "dir", name: "qux", path: "/foo/qux" },
  ] as const;
  expect(new Set(listing.map(entryKey)).size).toBe(4);
  expect([...sharedNames(listing)]).toEqual(["bar"]);
});

test("by size, folders order by what is below them when the node said; a folder without totals weighs nothing", () => {
  const dir = (name: string, bytes?: number) =>
    ({ name, path: `/${name}`, kind: "dir", size: 0, mtime: 1, version: "v", ...(bytes === undefined ? {} : { folder: { items: 1, files: 1, bytes } }) }) as const;
  const list = [dir("small", 10), dir("big", 5000), dir("unknown"), dir("mid", 300)];
  expect(names(sortEntries(list, { key: "size", dir: "desc" }))).toEqual(["big", "mid", "small", "unknown"]);
  expect(names(sortEntries(list, { key: "size", dir: "asc" }))).toEqual(["unknown", "small", "mid", "big"]);
});

test("a folder's size cell: bytes below it, its item count, the whole story in the tooltip; nothing without totals", () => {
  const entry = (folder?: { items: number; files: number; bytes: number; partial?: true }) => ({ name: "p", path: "/p", kind: "dir" as const, size: 0, mtime: 1, version: "v", ...(folder ? { folder } : {}) });
  expect(folderSize(entry({ items: 12, files: 340, bytes: 3 * 1024 * 1024 }))).toEqual({
    size: "3 MiB",
    items: "12 items",
    title: "12 items in this folder; 340 files in all below it, 3,145,728 bytes",
  });
  expect(folderSize(entry({ items: 1, files: 1, bytes: 5 }))?.items).toBe("1 item");
  // Too many entries to count for one listing: the items a lower bound, said so; files and bytes are whole sums.
  const big = folderSize(entry({ items: 40, files: 9000, bytes: 5 * 1024 ** 3, partial: true }));
  expect(big).toMatchObject({ size: "5 GiB", items: "≥ 40 items" });
  expect(big?.title).toBe("At least 40 items in this folder (too many to count for one listing); 9,000 files in all below it, 5,368,709,120 bytes");
  expect(folderSize(entry({ items: 0, files: 0, bytes: 0 }))).toMatchObject({ size: "0 B", items: "empty" });
  expect(folderSize(entry())).toBeUndefined();
  expect(folderSize({ ...entry({ items: 1, files: 1, bytes: 1 }), kind: "file" })).toBeUndefined();
});

test("a file's size tooltip: its chunks, or that a small file is kept in its manifest (not '0 chunks')", () => {
  expect(fileSizeTitle({ ...file("big.bin", 9_000_000, 1), chunks: 3 })).toBe("9,000,000 bytes, 3 chunks");
  expect(fileSizeTitle({ ...file("note.txt", 1234, 1), chunks: 0 })).toBe("1,234 bytes, kept in its manifest (a small file: no chunks)");
  expect(fileSizeTitle({ ...file("empty", 0, 1), chunks: 0 })).toBe("0 bytes, 0 chunks");
  expect(fileSizeTitle(file("old", 5, 1))).toBe("5 bytes");
  expect(fileSizeTitle(dir("Photos"))).toBeUndefined();
});
