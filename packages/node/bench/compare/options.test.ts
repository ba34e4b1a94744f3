// Flags of `pnpm bench --compare`, the workloads a selection runs (with untimed setups), how files are split
// between clients, the bytes of small files, and how client results become one figure.
import { describe, expect, test } from "bun:test";
import { combine } from "./clients.ts";
import type { ClientResult } from "./client.ts";
import { smallContent, smallName } from "./content.ts";
import { parseCompareOptions } from "./options.ts";
import { withSetups, workloadTitle } from "./workload-ids.ts";
import { splitFiles } from "./workloads.ts";

describe("options", () => {
  test("defaults, --quick presets, explicit flags win", () => {
    expect(parseCompareOptions([])).toMatchObject({ peers: true, reps: 3, sizeMiB: 1024, smallCount: 1000, clients: 16, dropCaches: true, strace: false });
    expect(parseCompareOptions(["--quick", "--no-peers"])).toMatchObject({ peers: false, reps: 1, sizeMiB: 64, smallCount: 100, quick: true });
    expect(parseCompareOptions(["--quick", "--reps", "2", "--size-mb", "8"])).toMatchObject({ reps: 2, sizeMiB: 8 });
    expect(parseCompareOptions(["--strace", "--cpu-prof", "p", "--no-drop-caches"])).toMatchObject({ strace: true, cpuProfDir: "p", dropCaches: false });
  });

  test("--only takes workloads, in run order", () => {
    expect(parseCompareOptions(["--only", "read16,write"]).workloads).toEqual(["write", "read16"]);
    expect(() => parseCompareOptions(["--only", "core"])).toThrow(/unknown workload "core"/);
    expect(() => parseCompareOptions(["--only", ","])).toThrow(/at least one/);
    expect(() => parseCompareOptions(["--reps", "0"])).toThrow(/--reps/);
    expect(() => parseCompareOptions(["--bogus"])).toThrow();
  });

  test("a workload that reads another's files gets it as an untimed setup", () => {
    expect(withSetups(["read"])).toEqual([
      { id: "write", timed: false },
      { id: "read", timed: true },
    ]);
    expect(withSetups(["write", "read16"])).toEqual([
      { id: "write", timed: true },
      { id: "create16", timed: false },
      { id: "read16", timed: true },
    ]);
    // A reference figure (S3 vs the files API) is not a setup: without it the ratio is just absent.
    expect(withSetups(["s3-rclone"])).toEqual([{ id: "s3-rclone", timed: true }]);
  });

  test("titles follow the sizes", () => {
    expect(workloadTitle("write", { sizeMiB: 1024, smallCount: 1000, clients: 16, cold: true })).toBe("1 GiB write, 3 fsynced copies");
    expect(workloadTitle("read16", { sizeMiB: 64, smallCount: 100, clients: 4, cold: false })).toBe("100 × 4 KiB reads, 4 clients, warm");
  });
});

describe("clients", () => {
  test("N clients take interleaved files, each file once", () => {
    const split = splitFiles(10, 4);
    expect(split).toEqual([
      { first: 0, step: 4, count: 3 },
      { first: 1, step: 4, count: 3 },
      { first: 2, step: 4, count: 2 },
      { first: 3, step: 4, count: 2 },
    ]);
    const all = split.flatMap((r) => Array.from({ length: r.count }, (_, k) => r.first + k * r.step)).sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(splitFiles(2, 16)).toHaveLength(2);
  });

  test("one figure: first start to last end, ops and bytes summed", () => {
    const r = (startMs: number, endMs: number, ok: number, lat: number[]): ClientResult => ({ ok, errors: 0, errorSamples: [], bytes: ok * 4096, startMs, endMs, latenciesMs: lat });
    const g = combine([r(1000, 2000, 10, [1, 2]), r(1100, 3000, 30, [3])]);
    expect(g.ms).toBe(2000);
    expect(g.ok).toBe(40);
    expect(g.opsPerSec).toBe(20);
    expect(g.bytes).toBe(40 * 4096);
    expect(g.latency.count).toBe(3);
  });

  test("small files: named by index, bytes fixed by (nonce, index), all different", () => {
    expect(smallName(42)).toBe("f000042");
    const a = smallContent("n", 1, 4096);
    expect(a.byteLength).toBe(4096);
    expect(smallContent("n", 1, 4096).equals(a)).toBe(true);
    expect(smallContent("n", 2, 4096).equals(a)).toBe(false);
    expect(smallContent("m", 1, 4096).equals(a)).toBe(false);
    // Not compressible: no byte value dominates.
    const counts = new Map<number, number>();
    for (const b of a) counts.set(b, (counts.get(b) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeLessThan(64);
  });
});
