// A node joins three in-memory nodes whose rows each sit on a bare majority of their owners (a quorum write whose
// third push was lost). The ring the join replaced keeps counting for manifest quorums until every owner of the
// new ring has pulled its arcs (range sync's ring pass) and announced the new version synced; only then is it
// retired, and reads at a quorum of the new ring alone still find every row. No delta sync: range sync alone.
import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import type { Member } from "../membership/types.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { FakeTime, fileChange, seededRandom } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { quiet } from "../rpc/peer-rpc.case.ts";
import { MemoryChunkStore } from "../store/memory-chunk-store.ts";
import { ManifestRangeSync } from "./manifest-range-sync.ts";
import { majority, type OwnerSet, Placement } from "./placement.ts";
import { rangeHandlers } from "./range-sync-kit.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const SETTLE_MS = 600_000;

interface Node {
  id: string;
  store: MemoryManifestStore;
  sync: ManifestRangeSync;
  placement: Placement;
}

function cluster(ids: string[]) {
  const net = new MemoryNetwork();
  const time = new FakeTime();
  const records = new Map<string, Member>(ids.map((id) => [id, testMember(id)]));
  const nodes = new Map<string, Node>();
  /** Who each node knows of (membership as gossip left it); every record change reaches all of them at once. */
  const known = new Map<string, string[]>();
  const refresh = () => {
    for (const [id, node] of nodes) node.placement.update(known.get(id)!.map((m) => records.get(m)!));
  };
  const add = (id: string, knows: string[]) => {
    records.set(id, records.get(id) ?? testMember(id));
    const placement = new Placement(3, h, 16, { ms: SETTLE_MS, now: () => 0 });
    const store = new MemoryManifestStore(id, time.now, { hash: h });
    let sync: ManifestRangeSync | undefined;
    const rpc = net.register(id, { store: new MemoryChunkStore({ maxChunkSize: 64 }), handlers: rangeHandlers(() => sync!, store) });
    const announce = (version: string | undefined) => {
      const { ringSynced: _, ...rest } = records.get(id)!;
      records.set(id, version ? { ...rest, ringSynced: version } : rest);
      refresh();
    };
    sync = new ManifestRangeSync({ intervalMs: 1000, arcsPerPass: 2 }, { selfId: id, manifests: store, placement, rpc, log: quiet, announceRingSynced: announce });
    nodes.set(id, { id, store, sync, placement });
    known.set(id, knows);
    // A node first knows itself alone (its own ring), then the members it learns.
    placement.update([records.get(id)!]);
    refresh();
  };
  for (const id of ids) add(id, ids);
  return { nodes, time, known, add, refresh };
}

/** Whether a read that reaches a quorum in each of `sets` must meet a holder of the newest row. */
function readFinds(sets: readonly OwnerSet[], holds: (id: string) => boolean): boolean {
  return sets.some((set, i) => set.owners.filter(holds).length > set.owners.length - majority(set, i === 0));
}

describe("ring versions retired by sync", () => {
  test("a joiner's gained arcs: the replaced ring counts until every owner synced, then reads at quorum of the new ring find every row", async () => {
    const { nodes, time, known, add, refresh } = cluster(["a", "b", "c"]);
    // x passes first, so a node that announced without pulling would let the ring go after c's first pass.
    const writer = new MemoryManifestStore("w", time.now, { hash: h });
    const rand = seededRandom(11);
    const rows: Manifest[] = [];
    // Each row on two of its three owners: acknowledged at quorum, the third push lost.
    for (let i = 0; i < 240; i++) {
      const row = writer.commitLocal(fileChange(`d${i}/f`, 4));
      rows.push(row);
      const owners = nodes.get("a")!.placement.manifestOwners(row.path);
      const skip = Math.floor(rand() * owners.length);
      owners.forEach((id, k) => k !== skip && nodes.get(id)!.store.apply([row]));
    }
    // Range sync brings no row to an owner that lacks it before the join: the rows stay on a bare majority.
    const holds = (row: Manifest) => (id: string) => nodes.get(id)?.store.get(row.path)?.version === row.version;

    add("x", ["a", "b", "c", "x"]);
    for (const id of ["a", "b", "c"]) known.set(id, ["a", "b", "c", "x"]);
    refresh();
    const all = ["x", "a", "b", "c"].map((id) => nodes.get(id)!);
    const members = all.filter((n) => n.id !== "x");
    for (const n of all) expect(n.placement.settlingRings).toBeGreaterThan(0);
    // The new ring alone would lose rows: some partition's new owners hold it on fewer than a quorum's worth.
    const lost = rows.filter((r) => {
      const current = all[0]!.placement.manifestOwnerSets(r.path)[0]!;
      return !readFinds([current], holds(r));
    });
    expect(lost.length).toBeGreaterThan(0);

    let rounds = 0;
    while (all.some((n) => n.placement.settlingRings > 0)) {
      expect(++rounds).toBeLessThan(500);
      for (const n of all) {
        await n.sync.pass();
        // Whatever each node counts now, a quorum read through it finds every row. Not through x: a joiner never
        // saw the ring it joined (its own replaced ring is itself alone), and its reads wait for delta sync's
        // catch-up (ManifestReads `synced`), which this test does not run.
        for (const m of members) for (const r of rows) expect({ via: m.id, path: r.path, finds: readFinds(m.placement.manifestOwnerSets(r.path), holds(r)) }).toEqual({ via: m.id, path: r.path, finds: true });
      }
    }
    // Retired by the trackers (the clock never moved): not by age, and not at once.
    expect(rounds).toBeGreaterThan(1);
    for (const n of all) {
      expect(n.placement.retiredRings.byAge).toBe(0);
      expect(n.placement.retiredRings.bySync).toBeGreaterThan(0);
      expect(n.sync.ringSync.stats.announced).toBeGreaterThan(0);
    }
    const version = all[0]!.placement.ringVersion();
    expect(all.map((n) => n.placement.member(n.id)?.ringSynced)).toEqual(all.map(() => version));
    for (const n of all) for (const r of rows) expect(readFinds(n.placement.manifestOwnerSets(r.path), holds(r))).toBe(true);
  });
});
