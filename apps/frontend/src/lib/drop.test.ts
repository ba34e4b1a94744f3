import { expect, test } from "bun:test";
import { type EntryLike, pickedFromInput, uploadHints, walkEntries } from "./drop.ts";

const file = (name: string, content = name): EntryLike => ({
  isFile: true,
  isDirectory: false,
  name,
  file: (ok) => ok(new File([content], name)),
});

/** A directory whose reader answers in batches of `batch`, like Chrome's (100 per call). */
const dir = (name: string, children: EntryLike[], batch = 2): EntryLike => ({
  isFile: false,
  isDirectory: true,
  name,
  createReader: () => {
    let i = 0;
    return {
      readEntries: (ok) => {
        const out = children.slice(i, i + batch);
        i += batch;
        setTimeout(() => ok(out), 0);
      },
    };
  },
});

test("walks dropped folders depth first, reading every batch", async () => {
  const picked = await walkEntries([
    file("top.txt"),
    dir("holiday", [file("a.jpg"), file("b.jpg"), file("c.jpg"), dir("day 2", [file("d.jpg")]), dir("empty", [])]),
  ]);
  expect(picked.files.map((f) => f.relPath)).toEqual(["top.txt", "holiday/a.jpg", "holiday/b.jpg", "holiday/c.jpg", "holiday/day 2/d.jpg"]);
  expect(picked.emptyDirs).toEqual(["holiday/empty"]);
  expect(await picked.files[1]!.file.text()).toBe("a.jpg");
});

test("a failing entry rejects the walk (the caller reports it)", async () => {
  const broken: EntryLike = { isFile: true, isDirectory: false, name: "x", file: (_ok, fail) => fail?.(new Error("gone")) };
  await expect(walkEntries([broken])).rejects.toThrow("gone");
});

test("files from a folder picker keep their folder path", () => {
  const f = new File(["x"], "a.txt");
  Object.defineProperty(f, "webkitRelativePath", { value: "docs/sub/a.txt" });
  const g = new File(["y"], "b.txt");
  expect(pickedFromInput([f, g]).files.map((p) => p.relPath)).toEqual(["docs/sub/a.txt", "b.txt"]);
});

test("a touch screen is not told to drop files; a mouse is", () => {
  const touch = uploadHints(false);
  expect(`${touch.empty} ${touch.footer}`).not.toMatch(/drop/i);
  expect(touch.empty).toContain("Upload");
  const mouse = uploadHints(true);
  expect(mouse.empty).toMatch(/^Drop files or folders here/);
  expect(mouse.footer).toContain("drop files");
});
