import { expect, test } from "bun:test";
import { allState, noSelection, retain, selectedIn, selectRange, toggle, toggleAll } from "./selection.ts";
import { entryKey } from "./listing.ts";

const order = ["/a", "/b", "/c", "/d", "/e"];

test("click toggles one and anchors there; shift-click selects from the anchor to it, either direction", () => {
  let s = toggle(noSelection, "/b");
  expect(selectedIn(s, order)).toEqual(["/b"]);
  s = selectRange(s, "/d", order);
  expect(selectedIn(s, order)).toEqual(["/b", "/c", "/d"]);
  expect(s.anchor).toBe("/b");
  // A second shift-click from the same anchor extends the other way too (the earlier range stays).
  s = selectRange(s, "/a", order);
  expect(selectedIn(s, order)).toEqual(["/a", "/b", "/c", "/d"]);
  s = toggle(s, "/c");
  expect(selectedIn(s, order)).toEqual(["/a", "/b", "/d"]);
});

test("a shift-click from an unselected anchor clears the range; without an anchor it is a toggle", () => {
  let s = toggleAll(noSelection, order);
  s = toggle(s, "/b"); // /b off, the anchor
  s = selectRange(s, "/d", order);
  expect(selectedIn(s, order)).toEqual(["/a", "/e"]);
  expect(selectedIn(selectRange(noSelection, "/c", order), order)).toEqual(["/c"]);
});

test("select all takes the shown entries, and again clears them; the header's state says which", () => {
  expect(allState(noSelection, order)).toBe("none");
  const some = toggle(noSelection, "/a");
  expect(allState(some, order)).toBe("some");
  const all = toggleAll(some, order);
  expect(allState(all, order)).toBe("all");
  expect(allState(toggleAll(all, order), order)).toBe("none");
  expect(allState(noSelection, [])).toBe("none");
});

test("retain drops what is no longer shown (deleted, filtered away), and the anchor with it", () => {
  const s = selectRange(toggle(noSelection, "/b"), "/d", order);
  const kept = retain(s, ["/a", "/c", "/d"]);
  expect(selectedIn(kept, order)).toEqual(["/c", "/d"]);
  expect(kept.anchor).toBeUndefined();
  expect(retain(s, order)).toBe(s);
});

test("a file and a folder of one path are two entries: selecting the file leaves the folder out", () => {
  const file = { kind: "file" as const, path: "a/b" };
  const dir = { kind: "dir" as const, path: "a/b" };
  const order = [dir, file].map(entryKey);
  const sel = toggle(noSelection, entryKey(file));
  expect(selectedIn(sel, order)).toEqual([entryKey(file)]);
  expect(allState(sel, order)).toBe("some");
  expect(selectedIn(toggleAll(sel, order), order)).toEqual(order);
});
