import { expect, test } from "bun:test";
import { FOLDER_TOTALS_ITEMS, folderTotalsOf, itemsPerFolder } from "./folder-totals.ts";

test("a page's folders share the entries counted for their items; each gets at least a thousand", () => {
  expect(itemsPerFolder(10)).toBe(FOLDER_TOTALS_ITEMS / 10);
  expect(itemsPerFolder(1)).toBe(FOLDER_TOTALS_ITEMS);
  expect(itemsPerFolder(0)).toBe(FOLDER_TOTALS_ITEMS);
  // A page of 500 folders (the web UI's) counts at most 500,000 entries, however big the folders.
  expect(itemsPerFolder(500) * 500).toBeLessThanOrEqual(500_000);
  expect(itemsPerFolder(5000)).toBe(1000);
});

test("more entries than the share: the share, as a lower bound; the sums as they are", () => {
  expect(folderTotalsOf(4, 3, { files: 9, bytes: 90 })).toEqual({ items: 3, files: 9, bytes: 90, partial: true });
  expect(folderTotalsOf(3, 3, { files: 9, bytes: 90 })).toEqual({ items: 3, files: 9, bytes: 90 });
});
