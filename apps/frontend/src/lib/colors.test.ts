import { expect, test } from "bun:test";
import { PALETTE, assignSlots, memberColor, slotColor } from "./colors.ts";

test("members get slots in id order the first time", () => {
  const slots = assignSlots(["c", "a", "b"]);
  expect([...slots.entries()].sort()).toEqual([["a", 0], ["b", 1], ["c", 2]]);
});

test("existing members keep their colour when one joins or leaves", () => {
  const first = assignSlots(["b", "c"]);
  expect(first.get("b")).toBe(0);
  const joined = assignSlots(["a", "b", "c"], first);
  expect(joined.get("b")).toBe(0);
  expect(joined.get("c")).toBe(1);
  expect(joined.get("a")).toBe(2);
  const left = assignSlots(["a", "c"], joined);
  expect(left.get("c")).toBe(1);
  expect(left.has("b")).toBe(false);
  // The freed slot is reused by the next newcomer.
  expect(assignSlots(["a", "c", "d"], left).get("d")).toBe(0);
});

test("colours: the palette, then distinct hues; unknown members grey", () => {
  expect(slotColor(0)).toBe(PALETTE[0]!);
  expect(slotColor(PALETTE.length)).toMatch(/^hsl\(/);
  expect(slotColor(PALETTE.length)).not.toBe(slotColor(PALETTE.length + 1));
  expect(memberColor(new Map([["a", 1]]), "a")).toBe(PALETTE[1]!);
  expect(memberColor(new Map(), "zzz")).toBe("#8c8c8c");
});
