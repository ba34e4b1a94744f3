// What a quota check costs at many files (issue 14): N files below one home in a fresh SQLite manifest store,
// then a user's usage (ManifestStore.liveBytesBelow) asked 20 times; prints the CPU per 1,000 rows written and
// the time per usage read.   bun bench/quota-usage.ts [--files 100000]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SqliteManifestStore } from "../src/metadata/sqlite-manifest-store.ts";
import { migrate, openDatabase } from "../src/store/db.ts";

const { values } = parseArgs({ options: { files: { type: "string", default: "100000" } } });
const files = Number(values.files);
if (!Number.isInteger(files) || files < 1000) throw new Error("--files: a whole number of at least 1000");
const dir = mkdtempSync(join(tmpdir(), "quota-usage-"));
try {
  const db = openDatabase(join(dir, "orrery.db"));
  migrate(db);
  const store = new SqliteManifestStore(db, "a");
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < files; i += 1000) {
    store.commitLocalBatch(
      Array.from({ length: 1000 }, (_, j) => ({
        path: `home/al/d${Math.floor((i + j) / 1000)}/f${i + j}`, kind: "file" as const, deleted: false, size: 10,
        sha256: "a".repeat(64), chunkSize: 1024, chunks: ["b".repeat(64)], mtime: 1,
      })),
    );
  }
  const cpu = process.cpuUsage(cpu0);
  store.liveBytesBelow("home/al");
  const t = performance.now();
  for (let k = 0; k < 20; k++) store.liveBytesBelow("home/al");
  console.log(JSON.stringify({ files, writeCpuMsPer1000: (cpu.user + cpu.system) / 1000 / (files / 1000), usageMs: (performance.now() - t) / 20, bytes: store.liveBytesBelow("home/al") }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
