import { expect, test } from "bun:test";
import { FOLDER_TOTALS_ROWS, rowsPerFolder } from "./folder-totals.ts";

test("a page's folders share the rows read for their totals; each gets at least a thousand", () => {
  expect(rowsPerFolder(10)).toBe(FOLDER_TOTALS_ROWS / 10);
  expect(rowsPerFolder(1)).toBe(FOLDER_TOTALS_ROWS);
  expect(rowsPerFolder(0)).toBe(FOLDER_TOTALS_ROWS);
  // A page of 500 folders (the web UI's) reads at most 500,000 rows, however big the tree below them.
  expect(rowsPerFolder(500) * 500).toBeLessThanOrEqual(500_000);
  expect(rowsPerFolder(5000)).toBe(1000);
});
