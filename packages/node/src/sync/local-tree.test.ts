// The local root guard: which change to the folder it reports how. A recursive delete removes the state db
// before the folder, so a check caught half-way must still say the folder is going, not that it was replaced.
import { expect, test } from "bun:test";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalRoot } from "./local-tree.ts";
import { STATE_DB_NAME } from "./state-db.ts";
import { tempDirs } from "../util/test-dirs.ts";

const tempDir = tempDirs();

function folder(): string {
  const dir = join(tempDir("orrery-guard-"), "root");
  mkdirSync(dir);
  writeFileSync(join(dir, STATE_DB_NAME), "db");
  writeFileSync(join(dir, "a.txt"), "a");
  return dir;
}

test("the same folder passes; its state db deleted (a delete half-way) is 'is gone'; the folder deleted too", async () => {
  const dir = folder();
  const root = await LocalRoot.open(dir);
  await root.check();
  rmSync(join(dir, STATE_DB_NAME));
  await expect(root.check()).rejects.toThrow(/is gone, or was replaced or unmounted/);
  rmSync(dir, { recursive: true });
  await expect(root.check()).rejects.toThrow(/is gone or unreadable/);
});

test("a folder swapped for another (an unmounted mount point, a recreated folder) is 'replaced or unmounted'", async () => {
  const dir = folder();
  const root = await LocalRoot.open(dir);
  renameSync(dir, `${dir}-old`);
  mkdirSync(dir);
  await expect(root.check()).rejects.toThrow(/replaced or unmounted/);
  writeFileSync(join(dir, STATE_DB_NAME), "another db");
  await expect(root.check()).rejects.toThrow(/replaced or unmounted/);
});

test("opening a folder without its state db is refused", async () => {
  const dir = folder();
  rmSync(join(dir, STATE_DB_NAME));
  await expect(LocalRoot.open(dir)).rejects.toThrow(/replaced or unmounted/);
});
