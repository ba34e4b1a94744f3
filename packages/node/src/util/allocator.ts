// Tunes Bun's allocator (mimalloc) and garbage collector for a node. Both read their options from the environment
// once, at process start, so `orrery node` re-executes itself once — execve, the same PID, arguments and
// environment — with what is missing of:
// - MIMALLOC_PURGE_DELAY: mimalloc returns freed memory to the OS after 10 ms by default; a node frees and reuses
//   chunk-sized buffers all the time, and every page it gets back costs a page fault on first touch (~11 µs per
//   4 KiB on these VMs: more than hashing or sending the bytes). Measured: a 256 MiB quorum upload to 3 nodes
//   57–64 → 88–92 MB/s, and a third less CPU on the replicas.
// - BUN_JSC_forceRAMSize: JavaScriptCore sizes its heap and collects by the machine's RAM, so on a 24 GiB host a
//   node let megabytes of dead chunk buffers (4 MiB each, hanging off a small JS heap) pile up between
//   collections: memory taken from the OS, page faults when it came back. Told the RAM is GC_RAM_BYTES, it
//   collects sooner and the allocator hands the same pages out again. Measured, cold 512 MiB reads via another
//   node: 390–427 → 519 MB/s, the reader's peak RSS 213–238 → 172–189 MiB, 11–13 k → 2.3 k page faults (at
//   256 MiB). At 128 MiB, with reads fetching two chunks ahead, cold 1 GiB reads (`bun bench/cold-reads.ts
//   1024`, quiet machine, two runs of three each way): the reader's peak RSS 201–212 → 151–160 MiB, mean
//   617 → 591 MB/s, its CPU +6 %; the writers' peak RSS 129–138 → 119–130 MiB, writes no slower.
// - MIMALLOC_PURGE_HOLES_MIN_INTERVAL: Bun's mimalloc hands a thread's heap to its scavenger thread whenever the
//   event loop waits, and the scavenger then walks it for free blocks to give back ("holes"). An idle node's loop
//   waits a dozen times a second (probes, acks, timers), so the scavenger woke as often, and with a hundred
//   processes on two cores every wake-up is dear. Once per HOLES_SWEEP_MS per thread is enough: idle nodes of
//   twenty (bench/scale/idle.ts, 60 s windows) 12-13 → 6.2 wake-ups a second, the scavenger's CPU 0.13 → 0.04 %
//   of a core, RSS unchanged (29.1 → 29.7 MiB anonymous, within the runs' spread).
// A variable the operator set is left as it is.

const SIGPWR = 30; // Linux x86-64 and arm64
const SIG_IGN = 1;

/** Milliseconds freed memory stays mapped before mimalloc returns it: long enough to span chunk reuse. */
export const PURGE_DELAY_MS = 1000;

/** The RAM the collector is told the machine has (bytes): MEMORY_LIMIT_MB's default. */
export const GC_RAM_BYTES = 128 * 1024 * 1024;

/** Milliseconds between two sweeps of a thread's heap for free blocks to return (see above). */
export const HOLES_SWEEP_MS = 5000;

/** What a node's environment needs for the allocator and the collector. */
const TUNING: Record<string, string> = {
  MIMALLOC_PURGE_DELAY: String(PURGE_DELAY_MS),
  BUN_JSC_forceRAMSize: String(GC_RAM_BYTES),
  MIMALLOC_PURGE_HOLES_MIN_INTERVAL: String(HOLES_SWEEP_MS),
};

export interface ReexecPlan {
  path: string;
  argv: string[];
  env: Record<string, string>;
}

/** What to execute instead of this process, or undefined when nothing needs to change. Pure. */
export function allocatorReexecPlan(p: {
  env: Record<string, string | undefined>;
  execPath: string;
  execArgv: string[];
  argv: string[];
  main: string;
}): ReexecPlan | undefined {
  const missing = Object.entries(TUNING).filter(([k]) => p.env[k] === undefined);
  if (missing.length === 0 || p.env.ORRERY_NO_REEXEC === "1") return undefined;
  // A compiled executable's argv is ["bun", "/$bunfs/root/<name>", ...args]; under `bun file.ts` it is
  // [bun, file.ts, ...args] with runtime flags (--cpu-prof, --smol) in execArgv.
  const compiled = p.main.startsWith("/$bunfs/") || p.main.startsWith("B:/~BUN/");
  const argv = compiled ? [p.execPath, ...p.argv.slice(2)] : [p.execPath, ...p.execArgv, ...p.argv.slice(1)];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.env)) if (v !== undefined) env[k] = v;
  for (const [k, v] of missing) env[k] = v;
  return { path: p.execPath, argv, env };
}

/**
 * Replaces this process by `plan` (execve through bun:ffi). Returns only if that failed, with the reason; the
 * caller then goes on with the allocator's defaults.
 */
export function execve(plan: ReexecPlan): string {
  try {
    const { dlopen, FFIType: T, ptr } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", {
      execve: { args: [T.ptr, T.ptr, T.ptr], returns: T.i32 },
      signal: { args: [T.i32, T.ptr], returns: T.ptr },
    });
    const keep: Buffer[] = []; // the strings must stay alive until execve has copied them
    const cString = (s: string) => {
      const b = Buffer.from(`${s}\0`, "utf8");
      keep.push(b);
      return BigInt(ptr(b));
    };
    const array = (items: string[]) => {
      const a = new BigUint64Array(items.length + 1); // NULL-terminated
      items.forEach((s, i) => (a[i] = cString(s)));
      return a;
    };
    const argv = array(plan.argv);
    const envp = array(Object.entries(plan.env).map(([k, v]) => `${k}=${v}`));
    const path = Buffer.from(`${plan.path}\0`, "utf8");
    // JavaScriptCore suspends threads with SIGPWR (its sampling profiler, under --cpu-prof, does so ~1000 times
    // a second). One still pending at execve would reach the new image before it installs its handler and
    // kill it (seen: exit 158). Ignored now, it is discarded; the new runtime installs its handler as usual.
    libc.symbols.signal(SIGPWR, SIG_IGN as never);
    libc.symbols.execve(path, argv, envp);
    void keep;
    return "execve returned (it failed)";
  } catch (err) {
    return (err as Error).message;
  }
}
