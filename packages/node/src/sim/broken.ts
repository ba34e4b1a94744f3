// The --broken switches: each swaps one method of one real component of a simulated process for an old or
// deliberately wrong rule (the node's code is untouched), so the suite can check that a scenario or an
// invariant catches exactly that rule being missing. See context.ts for what each one means.
import { PreconditionFailed } from "../consensus/conditional-writes.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { toSearchHit } from "../metadata/name-search.ts";
import { pushAnswer } from "../metadata/sync.ts";
import type { JsonHandlers } from "../rpc/methods.ts";
import type { NodeProcess } from "./virtual-node.ts";

export function breakRules(p: NodeProcess, handlers: JsonHandlers): void {
  const { broken } = p.ctx;
  if (broken.size === 0) return;
  const { core, placement, node } = p;
  if (broken.has("no-placement-check")) core.onMembers = (members) => void placement.update(members);
  if (broken.has("no-anti-entropy")) core.replicator.tick = () => {};
  if (broken.has("one-way-clock")) {
    // ClockWatch.estimate is private: the switch reaches in and puts back the old estimate, a peer's largest sample.
    const watch = p.clockWatch as unknown as { estimate: (s: { oneWay: Array<{ minMs: number }> }) => number | undefined };
    watch.estimate = (s) => (s.oneWay.length === 0 ? undefined : Math.max(...s.oneWay.map((x) => x.minMs)));
  }
  if (broken.has("no-clock-rules")) {
    p.clockWatch.problem = () => undefined;
    handlers["manifests.push"] = async (_from, body) => {
      await pushAnswer(node.manifests, body);
      return { applied: body.entries.length, versions: body.entries.map((e) => e.version) };
    };
  }
  if (broken.has("local-reads")) {
    core.reads.refresh = async () => {};
    core.reads.refreshChildren = async () => {};
  }
  if (broken.has("no-folder-factors")) core.chunkFactors.setFolderFactors = () => false;
  if (broken.has("no-versions")) {
    // Every version of a file lands in one slot: each write replaces the previous version instead of adding one.
    const commit = node.manifests.commitLocalBatch.bind(node.manifests);
    node.manifests.commitLocalBatch = (changes, derive, pins) =>
      commit(changes, derive && ((next, previous) => derive(next, previous).map((c) => ({ ...c, path: c.path.replace(/[^/]+$/, "000000000000000000@slot") }))), pins);
  }
  // The member table is private to the SWIM core; the switch reaches in rather than widening its API.
  if (broken.has("no-gossip")) p.swim["table"].broadcasts.take = () => [];
  if (broken.has("no-readable-check")) core.reader.ensureReadable = async () => {};
  if (broken.has("no-hedge")) core.reader.hedgeDelayMs = () => p.ctx.settings.timeouts.dataMs;
  if (broken.has("fresh-decided-version")) {
    // FileSystem.decide is private: the switch reaches in, and drops the decided version it returns.
    const fs = core.fs as unknown as { decide: (...args: unknown[]) => Promise<unknown> };
    const decide = fs.decide.bind(core.fs);
    fs.decide = async (...args) => void (await decide(...args));
  }
  if (broken.has("restamp-parents")) {
    // Copies are not marked as parents: a newer row of the folder at a replica is a conflict again.
    const ancestors = core.fs.ancestorsToCreate.bind(core.fs);
    core.fs.ancestorsToCreate = (path, mtime) => ancestors(path, mtime).map((change) => ({ ...change }));
  }
  if (broken.has("fresh-stale-version")) {
    // FileSystem.commit is private: the switch reaches in, and drops the pin of a value applied for another proposer.
    const fs = core.fs as unknown as { commit: (changes: unknown, durability: unknown, context: Record<string, unknown>, pins?: unknown) => Promise<unknown> };
    const commit = fs.commit.bind(core.fs);
    fs.commit = (changes, durability, context, pins) => commit(changes, durability, context, "recovered" in context ? undefined : pins);
  }
  if (broken.has("local-walks")) {
    // FileSystem's quorum reads are private: the switch reaches in and makes a subtree's read nothing.
    (core.fs as unknown as { rows: { tree: () => Promise<void> } }).rows.tree = async () => {};
  }
  if (broken.has("local-search")) {
    // The search before it asked every member: this node's own rows (ManifestReads.search is what the switch replaces).
    const reads = (core.fs as unknown as { rows: { c: { reads?: { search: unknown }; manifests: ManifestStore } } }).rows.c;
    if (reads.reads) {
      reads.reads.search = async (dir: string, text: string, page: { after?: string; limit: number }) => {
        const found = reads.manifests.searchNames(dir, text, page);
        return { rows: found.rows.map(toSearchHit), more: found.more };
      };
    }
  }
  if (broken.has("any-peer-joins")) Object.defineProperty(p.gate, "reached", { get: () => true });
  if (broken.has("local-cas")) {
    core.conditional.decide = async (change, precondition) => {
      const row = node.manifests.get(change.path, change.kind);
      const reason = precondition(row && !row.deleted ? row : undefined);
      if (reason) throw new PreconditionFailed(reason);
      const version = node.manifests.clock.tick();
      return { row: { ...change, version, origin: p.id, seq: 1 }, previous: row };
    };
  }
}
