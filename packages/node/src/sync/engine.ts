// One sync pair (a local folder, a cluster folder) and its passes: scan the local side, take the remote side
// as the tree knows it, reconcile against the base, execute in order. Watching is sync/watch.ts's job.
import { hostname } from "node:os";
import { stat } from "node:fs/promises";
import { CliError, ExitCode } from "../cli/errors.ts";
import type { NodeClient } from "../cli/http.ts";
import { execute } from "./execute.ts";
import { LocalRoot, LocalRootGone } from "./local-tree.ts";
import { reconcile } from "./reconcile.ts";
import { RemoteRootMissing, RemoteTree } from "./remote-tree.ts";
import { changedAnything, type PassCounts, type SyncReport } from "./report.ts";
import { StateMismatchError, SyncState } from "./state-db.ts";

export interface SyncInit {
  client: NodeClient;
  /** Absolute path of the local folder; it must exist. */
  localDir: string;
  /** The cluster folder, as path segments (none: the root). */
  remote: string[];
  report: SyncReport;
  /** Names the local side in conflict copies (default: this machine's host name). */
  host?: string;
  /** Stops a pass between two actions (the transfer under way finishes first). */
  signal?: AbortSignal;
}

/** Stops the whole sync, not one path: the folder is gone, the pairing is wrong, the node cannot be reached. */
export function isFatal(e: unknown): boolean {
  return (
    e instanceof LocalRootGone ||
    e instanceof RemoteRootMissing ||
    e instanceof StateMismatchError ||
    (e instanceof CliError && e.exitCode === ExitCode.unreachable)
  );
}

/** Passes until nothing changes (conflict copies and folders made in one pass are carried over by the next). */
const MAX_SETTLE_PASSES = 10;

export class SyncEngine {
  private firstPass = true;

  private constructor(
    private readonly init: SyncInit,
    readonly state: SyncState,
    readonly root: LocalRoot,
    readonly tree: RemoteTree,
  ) {}

  static async open(init: SyncInit): Promise<SyncEngine> {
    const info = await stat(init.localDir).catch(() => undefined);
    if (!info?.isDirectory()) throw new LocalRootGone(`the local folder ${init.localDir} does not exist (create it first; a missing folder is never synced)`);
    const state = new SyncState(init.localDir, `/${init.remote.join("/")}`);
    return new SyncEngine(init, state, await LocalRoot.open(init.localDir), new RemoteTree(init.client, init.remote));
  }

  get report(): SyncReport {
    return this.init.report;
  }

  /**
   * Reads the cluster folder afresh. A missing one is made when there is nothing to lose; with a base it is a
   * stop: deleting (or never having) the cluster folder must not read as "delete every local file".
   */
  async readRemote(): Promise<void> {
    const hasBase = this.state.all().size > 0;
    if (!(await this.tree.walk(!hasBase))) {
      throw new RemoteRootMissing(`the cluster folder ${this.tree.nodePath("")} does not exist any more; stopping without deleting anything`);
    }
  }

  async pass(): Promise<PassCounts> {
    const report = this.init.report;
    report.startPass();
    const base = this.state.all();
    const local = await this.root.scan(base, { removeTemp: this.firstPass });
    this.firstPass = false;
    // A cluster folder that looks empty while the base remembers files: make sure it still exists before
    // reading its emptiness as deletes (readRemote stops the sync when it does not).
    if (this.tree.live().size === 0 && base.size > 0) await this.readRemote();
    const remote = this.tree.live();
    const actions = reconcile(local, remote, base, { now: new Date(), host: this.init.host ?? hostname() });
    const ctx = {
      client: this.init.client,
      tree: this.tree,
      root: this.init.localDir,
      state: this.state,
      report,
      remote,
      progress: (label: string, total: number | undefined) => report.transferStarting(label, total),
    };
    for (const action of actions) {
      if (this.init.signal?.aborted) break;
      // Before every change: a folder that vanished mid-pass must not turn the rest of the pass into deletes.
      await this.root.check();
      await execute(ctx, action, isFatal);
    }
    return report.pass;
  }

  /** Passes until one changes nothing; the counts of all of them. */
  async settle(): Promise<PassCounts[]> {
    const passes: PassCounts[] = [];
    for (let i = 0; i < MAX_SETTLE_PASSES; i++) {
      const counts = await this.pass();
      passes.push({ ...counts });
      if (!changedAnything(counts) || this.init.signal?.aborted) break;
    }
    return passes;
  }

  close(): void {
    this.state.close();
  }
}
