import { expect, test } from "bun:test";
import { keepBothName, keepBothNames, renamePicked, splitName } from "./name-conflicts.ts";

test("the next free name keeps the extension (both parts of .tar.gz) and a dot file's name whole", () => {
  expect(keepBothName("report.pdf", new Set(["report.pdf"]))).toBe("report (2).pdf");
  expect(keepBothName("report.pdf", new Set(["report.pdf", "report (2).pdf", "report (3).pdf"]))).toBe("report (4).pdf");
  expect(keepBothName("report (2).pdf", new Set(["report (2).pdf"]))).toBe("report (3).pdf");
  expect(keepBothName("backup.tar.gz", new Set())).toBe("backup (2).tar.gz");
  expect(keepBothName(".bashrc", new Set())).toBe(".bashrc (2)");
  expect(keepBothName("Makefile", new Set())).toBe("Makefile (2)");
  expect(splitName("a.b.c")).toEqual(["a.b", ".c"]);
});

test("several at once: each new name is free of the folder's and of the others' new names", () => {
  const names = keepBothNames(["a.txt", "a (2).txt"], ["a.txt", "a (2).txt", "a (3).txt"], ["a (4).txt"]);
  expect([...names.entries()]).toEqual([
    ["a.txt", "a (5).txt"],
    ["a (2).txt", "a (6).txt"],
  ]);
});

test("an upload's Keep both renames only the conflicting top-level files", () => {
  const file = new File(["x"], "a.txt");
  const picked = { files: [{ file, relPath: "a.txt" }, { file, relPath: "b.txt" }, { file, relPath: "dir/a.txt" }], emptyDirs: ["e"] };
  const out = renamePicked(picked, new Map([["a.txt", "a (2).txt"]]));
  expect(out.files.map((f) => f.relPath)).toEqual(["a (2).txt", "b.txt", "dir/a.txt"]);
  expect(out.emptyDirs).toEqual(["e"]);
});
