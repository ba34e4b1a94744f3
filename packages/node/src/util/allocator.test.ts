import { expect, test } from "bun:test";
import { allocatorReexecPlan, PURGE_DELAY_MS } from "./allocator.ts";

const bunRun = { execPath: "/usr/bin/bun", execArgv: ["--cpu-prof"], argv: ["/usr/bin/bun", "/app/src/main.ts", "node", "--http-port", "3001"], main: "/app/src/main.ts" };

test("under `bun main.ts`: the same runtime flags, script and arguments, with the purge delay added", () => {
  const plan = allocatorReexecPlan({ ...bunRun, env: { HOME: "/root", SEEDS: "a:1", EMPTY: undefined } });
  expect(plan).toEqual({
    path: "/usr/bin/bun",
    argv: ["/usr/bin/bun", "--cpu-prof", "/app/src/main.ts", "node", "--http-port", "3001"],
    env: { HOME: "/root", SEEDS: "a:1", MIMALLOC_PURGE_DELAY: String(PURGE_DELAY_MS) },
  });
});

test("a compiled executable passes its own path and the user's arguments, not Bun's virtual entry", () => {
  const plan = allocatorReexecPlan({ env: {}, execPath: "/usr/local/bin/orrery", execArgv: [], argv: ["bun", "/$bunfs/root/orrery", "node"], main: "/$bunfs/root/orrery" });
  expect(plan?.argv).toEqual(["/usr/local/bin/orrery", "node"]);
});

test("nothing to do when the environment sets the delay (the re-executed process, or the operator) or opts out", () => {
  expect(allocatorReexecPlan({ ...bunRun, env: { MIMALLOC_PURGE_DELAY: "0" } })).toBeUndefined();
  expect(allocatorReexecPlan({ ...bunRun, env: { ORRERY_NO_REEXEC: "1" } })).toBeUndefined();
});
