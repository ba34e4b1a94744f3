import { expect, test } from "bun:test";
import { allocatorReexecPlan, GC_RAM_BYTES, HOLES_SWEEP_MS, PURGE_DELAY_MS } from "./allocator.ts";

const HOLES = { MIMALLOC_PURGE_HOLES_MIN_INTERVAL: String(HOLES_SWEEP_MS) };

const bunRun = { execPath: "/usr/bin/bun", execArgv: ["--cpu-prof"], argv: ["/usr/bin/bun", "/app/src/main.ts", "node", "--http-port", "3001"], main: "/app/src/main.ts" };

test("under `bun main.ts`: the same runtime flags, script and arguments, with the purge delay, the collector's RAM and the sweep interval added", () => {
  const plan = allocatorReexecPlan({ ...bunRun, env: { HOME: "/root", SEEDS: "a:1", EMPTY: undefined } });
  expect(plan).toEqual({
    path: "/usr/bin/bun",
    argv: ["/usr/bin/bun", "--cpu-prof", "/app/src/main.ts", "node", "--http-port", "3001"],
    env: { HOME: "/root", SEEDS: "a:1", MIMALLOC_PURGE_DELAY: String(PURGE_DELAY_MS), BUN_JSC_forceRAMSize: String(GC_RAM_BYTES), ...HOLES },
  });
});

test("a compiled executable passes its own path and the user's arguments, not Bun's virtual entry", () => {
  const plan = allocatorReexecPlan({ env: {}, execPath: "/usr/local/bin/orrery", execArgv: [], argv: ["bun", "/$bunfs/root/orrery", "node"], main: "/$bunfs/root/orrery" });
  expect(plan?.argv).toEqual(["/usr/local/bin/orrery", "node"]);
});

test("nothing to do when the environment sets them all (the re-executed process, or the operator) or opts out", () => {
  expect(allocatorReexecPlan({ ...bunRun, env: { MIMALLOC_PURGE_DELAY: "0", BUN_JSC_forceRAMSize: "1073741824", MIMALLOC_PURGE_HOLES_MIN_INTERVAL: "0" } })).toBeUndefined();
  expect(allocatorReexecPlan({ ...bunRun, env: { MIMALLOC_PURGE_DELAY: "0", BUN_JSC_forceRAMSize: "1073741824" } })?.env).toEqual({ MIMALLOC_PURGE_DELAY: "0", BUN_JSC_forceRAMSize: "1073741824", ...HOLES });
  expect(allocatorReexecPlan({ ...bunRun, env: { ORRERY_NO_REEXEC: "1" } })).toBeUndefined();
});

test("what the operator set is kept; only the missing ones are added", () => {
  expect(allocatorReexecPlan({ ...bunRun, env: { MIMALLOC_PURGE_DELAY: "0" } })?.env).toEqual({ MIMALLOC_PURGE_DELAY: "0", BUN_JSC_forceRAMSize: String(GC_RAM_BYTES), ...HOLES });
  expect(allocatorReexecPlan({ ...bunRun, env: { BUN_JSC_forceRAMSize: "1" } })?.env).toEqual({ BUN_JSC_forceRAMSize: "1", MIMALLOC_PURGE_DELAY: String(PURGE_DELAY_MS), ...HOLES });
});
