// placement-check.ts on virtual time: ring changes collected, then (debounced) every local chunk goes through
// the real `newOwnersToFeed` against every ring since the last check; the copies it asks for are queued.
import { newOwnersToFeed } from "../replication/placement-check.ts";
import type { Ring } from "../ring/ring.ts";
import type { NodeProcess, Timer } from "./virtual-node.ts";

/** What-if `every-holder-feeds`: every holder queues the new owners; the target's HAS answer avoids resending. */
function everyHolderFeeds(selfId: string, before: readonly (readonly string[])[], after: readonly string[]): string[] {
  return after.filter((id) => id !== selfId && before.some((set) => !set.includes(id)));
}

export class PlacementChecker {
  /** Every ring in force since the last check, oldest first. */
  private baselines: Ring[] = [];
  private timer: Timer | undefined;
  checks = 0;

  constructor(private readonly p: NodeProcess) {}

  ringChanged(previous: Ring): void {
    this.baselines.push(previous);
    this.timer?.cancel();
    this.timer = this.p.timer(this.p.ctx.settings.placementDebounceMs, () => {
      this.timer = undefined;
      const before = this.baselines;
      this.baselines = [];
      this.run(before);
    });
  }

  private run(before: readonly Ring[]): void {
    const { p } = this;
    if (p.ctx.broken.has("no-placement-check")) return;
    this.checks++;
    const { placement, node } = p;
    const n = placement.effectiveReplicationFactor();
    const feed = p.ctx.whatIf.has("every-holder-feeds") ? everyHolderFeeds : newOwnersToFeed;
    const copies: Array<{ chunkId: string; target: string }> = [];
    // store.ids() pages in id order.
    for (const id of [...node.chunks].sort()) {
      const earlier = before.map((ring) => ring.replicaSet(id, n));
      for (const target of feed(p.id, earlier, placement.owners(id))) copies.push({ chunkId: id, target });
    }
    node.queue.enqueue(copies, p.now);
    if (copies.length > 0 && p.ctx.trace.enabled) {
      const some = copies.slice(0, 24).map((c) => `${c.chunkId.slice(0, 8)}->${c.target}`).join(" ");
      p.log(`placement check queued ${copies.length} copies (${before.length} earlier rings): ${some}${copies.length > 24 ? " ..." : ""}`);
    }
  }
}
