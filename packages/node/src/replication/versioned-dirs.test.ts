// Merging the members' pages of versions folders: the union in code point order, cut where a full page of one
// member stops (its later folders were not answered), so a page never passes over a folder only it holds.
import { describe, expect, test } from "bun:test";
import { mergePages } from "./versioned-dirs.ts";

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
