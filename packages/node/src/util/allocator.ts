// Tunes Bun's allocator (mimalloc) for a node. mimalloc reads its options from the environment once, at
// process start, and by default returns freed memory to the OS after 10 ms; a node frees and reuses chunk-sized
// buffers all the time, and every page it gets back costs a page fault on first touch (~11 µs per 4 KiB on
// these VMs: more than hashing or sending the bytes). So `orrery node` re-executes itself once — execve, the
// same PID, arguments and environment — with MIMALLOC_PURGE_DELAY set, unless the environment already sets it.
// Measured: a 256 MiB quorum upload to 3 nodes 57–64 → 88–92 MB/s, and a third less CPU on the replicas.

const SIGPWR = 30; // Linux x86-64 and arm64
const SIG_IGN = 1;

/** Milliseconds freed memory stays mapped before mimalloc returns it: long enough to span chunk reuse. */
export const PURGE_DELAY_MS = 1000;

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
  if (p.env.MIMALLOC_PURGE_DELAY !== undefined || p.env.ORRERY_NO_REEXEC === "1") return undefined;
  // A compiled executable's argv is ["bun", "/$bunfs/root/<name>", ...args]; under `bun file.ts` it is
  // [bun, file.ts, ...args] with runtime flags (--cpu-prof, --smol) in execArgv.
  const compiled = p.main.startsWith("/$bunfs/") || p.main.startsWith("B:/~BUN/");
  const argv = compiled ? [p.execPath, ...p.argv.slice(2)] : [p.execPath, ...p.execArgv, ...p.argv.slice(1)];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.env)) if (v !== undefined) env[k] = v;
  env.MIMALLOC_PURGE_DELAY = String(PURGE_DELAY_MS);
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
