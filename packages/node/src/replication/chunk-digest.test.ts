import { beforeAll, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import { loadHash64 } from "../ring/index.ts";
import { differingRanges, idsInRanges, RANGES, rangeDigests, rangeDigestsByPeer } from "./chunk-digest.ts";
import { Placement } from "./placement.ts";

let placement: Placement;
beforeAll(async () => {
  placement = new Placement(2, await loadHash64(), 32);
  placement.update(["a", "b", "c"].map((id) => testMember(id)));
});

const ids = Array.from({ length: 2000 }, (_, i) => new Bun.CryptoHasher("sha256").update(`c${i}`).digest("hex"));

test("two holders of the same shared chunks have equal digests; a missing chunk shows in its range only", () => {
  const sharedAB = ids.filter((id) => ["a", "b"].every((n) => placement.owners(id).includes(n)));
  expect(sharedAB.length).toBeGreaterThan(100);
  const atA = rangeDigests(ids, "a", "b", placement);
  const atB = rangeDigests(ids, "b", "a", placement);
  expect(atA).toEqual(atB);
  expect(atA.length).toBe(RANGES);

  const lost = sharedAB[17]!;
  const atBLosing = rangeDigests(ids.filter((id) => id !== lost), "b", "a", placement);
  const diff = differingRanges(atA, atBLosing);
  expect(diff.length).toBe(1);
  const listA = idsInRanges(ids, "a", "b", placement, diff);
  const listB = idsInRanges(ids.filter((id) => id !== lost), "b", "a", placement, diff);
  expect(listA.filter((id) => !listB.includes(id))).toEqual([lost]);
});

test("chunks the peer does not co-own never enter the digest", () => {
  const notShared = ids.filter((id) => !placement.owners(id).includes("b"));
  expect(rangeDigests(notShared, "a", "b", placement).every((d) => d === "0".repeat(16))).toBe(true);
});

test("digests for every co-owner in one pass equal the per-peer digests", () => {
  const all = rangeDigestsByPeer(ids, "a", placement);
  for (const peer of ["b", "c"]) expect(all.get(peer)).toEqual(rangeDigests(ids, "a", peer, placement));
  expect(all.has("a")).toBe(false);
});
