import { expect, test } from "bun:test";
import { apiSearchUrl, foundIn, searchText } from "./search.ts";

test("the search URL names the text and the folder, encoded; a next page carries after", () => {
  expect(apiSearchUrl("/", "report")).toBe("/api/search?q=report&path=%2F");
  expect(apiSearchUrl("/photos/2024 trips/", "a&b #1")).toBe("/api/search?q=a%26b%20%231&path=%2Fphotos%2F2024%20trips");
  expect(apiSearchUrl("/p", "x", { after: "/p/a b", limit: 50 })).toBe("/api/search?q=x&path=%2Fp&after=%2Fp%2Fa%20b&limit=50");
});

test("where a match lies, from the folder searched", () => {
  expect(foundIn("/photos", "/photos/a.jpg")).toBe("");
  expect(foundIn("/photos", "/photos/2024/trips/a.jpg")).toBe("2024/trips");
  expect(foundIn("/", "/a.txt")).toBe("");
  expect(foundIn("/", "/docs/a.txt")).toBe("docs");
  // A folder whose name starts like the searched one's is not inside it.
  expect(foundIn("/photos", "/photos-old/a.jpg")).toBe("/photos-old");
});

test("the text is trimmed and bounded; blank is nothing to search", () => {
  expect(searchText("  beach ")).toBe("beach");
  expect(searchText("   ")).toBeUndefined();
  expect(searchText("x".repeat(300))).toHaveLength(200);
});
