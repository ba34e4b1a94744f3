// Empties the kernel page cache before a cold read (root only: sync, then 3 > /proc/sys/vm/drop_caches).
// It affects the whole machine, so it is done only right before a cold measurement.
import { writeFileSync } from "node:fs";

export type DropResult = { ok: true } | { ok: false; reason: string };

export function dropPageCache(): DropResult {
  if (process.getuid?.() !== 0) return { ok: false, reason: "not running as root, cannot drop the page cache" };
  const sync = Bun.spawnSync(["sync"], { stdout: "ignore", stderr: "pipe" });
  if (sync.exitCode !== 0) return { ok: false, reason: `sync failed: ${sync.stderr.toString().trim()}` };
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "3\n");
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `writing /proc/sys/vm/drop_caches failed: ${(err as Error).message}` };
  }
}
