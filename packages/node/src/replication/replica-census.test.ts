import { describe, expect, test } from "bun:test";
import { countChunk, emptyCounts } from "./replica-census.ts";

describe("countChunk (truthful under-replication)", () => {
  test("the first owner holding a copy reports the chunk; the others do not", () => {
    const a = emptyCounts(3, 3);
    const b = emptyCounts(3, 3);
    const holds = (o: string) => o !== "x";
    expect(countChunk(a, "a", ["x", "a", "b"], holds)).toEqual(["x"]);
    expect(countChunk(b, "b", ["x", "a", "b"], holds)).toBeUndefined();
    expect(a).toMatchObject({ chunks: 1, underReplicated: 1, missingCopies: 1, repairable: 1, waitingForNodes: 0, byLiveCopies: { "2": 1 } });
    expect(b.chunks).toBe(0);
  });

  test("fewer live nodes than the factor: every live owner holds it, so no copy is possible (waiting for nodes)", () => {
    const c = emptyCounts(3, 2);
    expect(countChunk(c, "a", ["a", "b"], () => true)).toEqual([]);
    expect(c).toMatchObject({ chunks: 1, underReplicated: 1, missingCopies: 1, repairable: 0, waitingForNodes: 1 });
  });

  test("a chunk at the factor is counted but not under-replicated; a single copy is missing two", () => {
    const c = emptyCounts(3, 3);
    countChunk(c, "a", ["a", "b", "c"], () => true);
    countChunk(c, "a", ["a", "b", "c"], (o) => o === "a");
    expect(c).toMatchObject({ chunks: 2, underReplicated: 1, missingCopies: 2, repairable: 1, byLiveCopies: { "1": 1 } });
  });
});
