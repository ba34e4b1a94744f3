// A sync that keeps running: local file-system events (recursive fs.watch) and the node's change feed
// (GET /api/changes) wake a pass; a periodic rescan and re-read of the cluster folder are the safety net for
// anything a watcher missed. Passes never overlap; a fatal error ends the whole run.
import { type FSWatcher, watch } from "node:fs";
import type { NodeClient } from "../cli/http.ts";
import { CliError, ExitCode, errorText } from "../cli/errors.ts";
import { isFatal, type SyncEngine } from "./engine.ts";
import { changedAnything, summaryLine } from "./report.ts";
import type { NodeEntry } from "./remote-tree.ts";
import { readEvents } from "./sse-reader.ts";
import { isReserved } from "./state-db.ts";

export interface WatchOptions {
  /** Quiet time after a change before the pass starts (edits come in bursts). */
  debounceMs: number;
  /** Local rescan even without events. */
  rescanMs: number;
  /** Cluster folder re-read even without missed events. */
  rereadMs: number;
  /** Ends the run (SIGINT, SIGTERM). */
  signal: AbortSignal;
}

export const DEFAULT_WATCH = { debounceMs: 300, rescanMs: 30_000, rereadMs: 300_000 };

const RETRY_MS = 2000;

class Waker {
  private pending = true;
  private resolve: (() => void) | undefined;
  poke = () => {
    this.pending = true;
    this.resolve?.();
  };
  async wait(): Promise<void> {
    if (!this.pending) await new Promise<void>((r) => (this.resolve = r));
    this.resolve = undefined;
    this.pending = false;
  }
}

/** Reads the change feed until `signal` ends it, reconnecting after failures; every connection asks for a re-read. */
async function followFeed(client: NodeClient, engine: SyncEngine, wake: Waker, onReread: () => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await client.request("GET", "/api/changes", { query: { path: engine.tree.nodePath("") }, signal });
      for await (const e of readEvents(res.body!)) {
        if (e.event === "change") engine.tree.noteNodeEntry(JSON.parse(e.data) as NodeEntry);
        else if (e.event === "ready" || e.event === "overflow") onReread();
        else continue;
        wake.poke();
      }
      if (!signal.aborted) engine.report.note("the node closed the change feed; reconnecting");
    } catch (e) {
      if (signal.aborted) return;
      engine.report.note(`change feed lost (${errorText(e)}); retrying in ${RETRY_MS / 1000} s`);
    }
    await Bun.sleep(RETRY_MS);
  }
}

function watchLocal(dir: string, wake: Waker): FSWatcher {
  const watcher = watch(dir, { recursive: true }, (_event, name) => {
    if (name && String(name).split(/[\\/]/).some(isReserved)) return;
    wake.poke();
  });
  // The folder itself going away ends its watch: the next pass finds out and stops the sync.
  watcher.on("error", () => wake.poke());
  return watcher;
}

export async function watchAndSync(engine: SyncEngine, client: NodeClient, localDir: string, opts: WatchOptions): Promise<void> {
  const wake = new Waker();
  let reread = true;
  const askReread = () => (reread = true);
  const feedAbort = new AbortController();
  const stop = () => {
    feedAbort.abort();
    wake.poke();
  };
  opts.signal.addEventListener("abort", stop);
  const feed = followFeed(client, engine, wake, askReread, feedAbort.signal);
  const watcher = watchLocal(localDir, wake);
  const timers = [
    setInterval(wake.poke, opts.rescanMs),
    setInterval(() => {
      askReread();
      wake.poke();
    }, opts.rereadMs),
  ];
  try {
    while (!opts.signal.aborted) {
      await wake.wait();
      await Bun.sleep(opts.debounceMs);
      if (opts.signal.aborted) break;
      try {
        if (reread) {
          reread = false;
          await engine.readRemote();
        }
        const passes = await engine.settle();
        const changed = passes.filter(changedAnything);
        for (const counts of changed) engine.report.note(`pass: ${summaryLine(counts)}`);
      } catch (e) {
        // The node is away or cannot answer now: keep watching and try again, re-reading what changed meanwhile.
        // Anything else (the folder gone, a wrong pairing, a local error) ends the run.
        if (!(e instanceof CliError) || (isFatal(e) && e.exitCode !== ExitCode.unreachable)) throw e;
        engine.report.note(`${e.message}; retrying in ${RETRY_MS / 1000} s`);
        reread = true;
        setTimeout(wake.poke, RETRY_MS);
      }
    }
  } finally {
    opts.signal.removeEventListener("abort", stop);
    feedAbort.abort();
    watcher.close();
    for (const t of timers) clearInterval(t);
    await feed;
  }
}
