// The change feed beyond this node's own partitions: while a gateway serves a feed of a folder, it holds a
// watch of that folder at every storing member (`changes.watch`, a lease renewed while the feed is open), and
// each member pushes the rows it owns below a watched folder to the watcher as it applies them (`manifests.push`).
// The watcher applies them like any push, so its feed (ManifestStore.watch) sees a row written anywhere within
// one push instead of after anti-entropy. See docs/architecture.md, "The remote change feed".
import type { Logger } from "../log.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { MAX_PUSH_ENTRIES, MAX_SYNC_PAGE_CHUNKS } from "../metadata/sync.ts";
import { isVersionsPath } from "../metadata/version-paths.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { Clock, Timer } from "../util/clock.ts";
import type { Placement } from "./placement.ts";

/** How long a watch holds unless renewed; renewed every third of it while a feed of its folder is open. */
export const WATCH_TTL_MS = 30_000;
/** Folders one member may watch here at once: a peer cannot make this node hold more. */
export const MAX_WATCHES_PER_PEER = 64;
/** Rows waiting to be forwarded to one watcher: past it the oldest are dropped (its clients re-read the tree). */
export const MAX_FORWARD_QUEUE = 10 * MAX_PUSH_ENTRIES;
/** Rows applied within this are forwarded in one push. */
const FLUSH_MS = 10;

export interface ChangeRelayComponents {
  selfId: string;
  manifests: ManifestStore;
  placement: Placement;
  rpc: PeerRpc;
  clock: Clock;
  log: Logger;
}

/** Rows of a push: at most MAX_PUSH_ENTRIES, and as many chunk ids as a sync page (~7 MB of JSON), one row at least. */
export function pageLength(rows: readonly Manifest[]): number {
  let chunks = 0;
  let n = 0;
  while (n < rows.length && n < MAX_PUSH_ENTRIES && (n === 0 || chunks + rows[n]!.chunks.length <= MAX_SYNC_PAGE_CHUNKS)) chunks += rows[n++]!.chunks.length;
  return n;
}

const covers = (root: string, path: string) => root === "" || path === root || path.startsWith(`${root}/`);

export class ChangeRelay {
  /** Served: watcher id → folder → when its watch ends (monotonic ms). */
  private readonly watches = new Map<string, Map<string, number>>();
  /** Served: rows waiting to be pushed, per watcher, and whether a push to it is on its way. */
  private readonly outbox = new Map<string, Manifest[]>();
  private readonly sending = new Set<string>();
  private flushTimer: Timer | undefined;
  /** Ours: the feeds open here per folder, and each folder's first registration (a second feed waits for it). */
  private readonly feeds = new Map<string, { count: number; registered: Promise<void> }>();
  private renewTimer: Timer | undefined;
  private readonly unwatch: () => void;

  constructor(private readonly c: ChangeRelayComponents) {
    this.unwatch = c.manifests.watch((rows) => this.applied(rows));
  }

  /** The peer call `changes.watch`: `from` watches `root` for ttlMs (0 ends it). */
  watch(from: string, body: { root: string; ttlMs: number }): { watching: boolean } {
    const now = this.c.clock.elapsed();
    let roots = this.watches.get(from);
    if (body.ttlMs === 0) {
      roots?.delete(body.root);
      if (roots?.size === 0) this.watches.delete(from);
      return { watching: false };
    }
    if (!roots) this.watches.set(from, (roots = new Map()));
    for (const [root, until] of roots) if (until <= now) roots.delete(root);
    if (!roots.has(body.root) && roots.size >= MAX_WATCHES_PER_PEER) return { watching: false };
    roots.set(body.root, now + body.ttlMs);
    return { watching: true };
  }

  /**
   * A feed of `root` opens here: resolves once every storing member was asked to forward what it owns below it
   * (answered or failed), so a client that reads the tree after this misses nothing; the returned function closes it.
   */
  async subscribe(root: string): Promise<() => void> {
    let feed = this.feeds.get(root);
    if (feed) feed.count++;
    else {
      feed = { count: 1, registered: this.register(root, WATCH_TTL_MS) };
      this.feeds.set(root, feed);
      this.scheduleRenewal();
    }
    await feed.registered;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const f = this.feeds.get(root);
      if (!f || --f.count > 0) return;
      this.feeds.delete(root);
      void this.register(root, 0);
      if (this.feeds.size === 0) {
        this.renewTimer?.cancel();
        this.renewTimer = undefined;
      }
    };
  }

  stop(): void {
    this.unwatch();
    this.renewTimer?.cancel();
    this.flushTimer?.cancel();
  }

  /** Asks every other storing member to watch `root` for `ttlMs` (0: to stop); failures are logged, not thrown. */
  private async register(root: string, ttlMs: number): Promise<void> {
    const { selfId, placement, rpc, log } = this.c;
    const peers = placement.ring.memberIds.filter((id) => id !== selfId);
    await Promise.all(
      peers.map(async (id) => {
        try {
          const { watching } = await rpc.call(id, "changes.watch", { root, ttlMs });
          if (!watching && ttlMs > 0) log.warn("a member refused to watch a folder for this node's change feed (it watches too many)", { member: id, root: `/${root}` });
        } catch (err) {
          log.debug("a member did not take a change-feed watch; the next renewal asks again", { member: id, root: `/${root}`, err });
        }
      }),
    );
  }

  private scheduleRenewal(): void {
    if (this.renewTimer) return;
    this.renewTimer = this.c.clock.timer(WATCH_TTL_MS / 3, () => {
      this.renewTimer = undefined;
      if (this.feeds.size === 0) return;
      // Members that joined since are asked too: the ring is read again each time.
      for (const root of this.feeds.keys()) void this.register(root, WATCH_TTL_MS);
      this.scheduleRenewal();
    });
  }

  /** Rows this node just committed: those it owns below a folder a member watches go to that member. */
  private applied(rows: readonly Manifest[]): void {
    if (this.watches.size === 0) return;
    const now = this.c.clock.elapsed();
    const owned = new Map<Manifest, boolean>();
    const ownsRow = (row: Manifest) => {
      let mine = owned.get(row);
      if (mine === undefined) owned.set(row, (mine = this.c.placement.manifestOwners(row.path).includes(this.c.selfId)));
      return mine;
    };
    for (const [watcher, roots] of this.watches) {
      for (const [root, until] of roots) if (until <= now) roots.delete(root);
      if (roots.size === 0) {
        this.watches.delete(watcher);
        continue;
      }
      // Its own writes it has; the versions' namespace is in no feed.
      const rowsFor = rows.filter((row) => row.origin !== watcher && !isVersionsPath(row.path) && [...roots.keys()].some((root) => covers(root, row.path)) && ownsRow(row));
      if (rowsFor.length === 0) continue;
      const queue = this.outbox.get(watcher) ?? [];
      queue.push(...rowsFor);
      if (queue.length > MAX_FORWARD_QUEUE) {
        this.c.log.warn("change-feed rows for a slow watcher dropped", { member: watcher, dropped: queue.length - MAX_FORWARD_QUEUE });
        queue.splice(0, queue.length - MAX_FORWARD_QUEUE);
      }
      this.outbox.set(watcher, queue);
    }
    if (this.outbox.size > 0 && !this.flushTimer) this.flushTimer = this.c.clock.timer(FLUSH_MS, () => this.flush());
  }

  private flush(): void {
    this.flushTimer = undefined;
    for (const watcher of [...this.outbox.keys()]) if (!this.sending.has(watcher)) void this.send(watcher);
  }

  /** One push at a time per watcher, in pages (pageLength), until its queue is empty. */
  private async send(watcher: string): Promise<void> {
    this.sending.add(watcher);
    try {
      for (let queue = this.outbox.get(watcher); queue && queue.length > 0; queue = this.outbox.get(watcher)) {
        const entries = queue.splice(0, pageLength(queue));
        if (queue.length === 0) this.outbox.delete(watcher);
        try {
          await this.c.rpc.call(watcher, "manifests.push", { entries });
        } catch (err) {
          this.c.log.debug("forwarding changes to a watcher failed (its feed's clients re-read the tree)", { member: watcher, rows: entries.length, err });
        }
      }
    } finally {
      this.sending.delete(watcher);
    }
  }
}
