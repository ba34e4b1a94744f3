import { beforeAll, describe, expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import { testMember } from "../membership/test-member.ts";
import { Placement } from "../replication/placement.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import type { JsonHandlers } from "../rpc/methods.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { SettingsSync } from "./cluster-settings-sync.ts";
import { MemorySettingsStore } from "./settings-store.ts";

const MiB = 1024 * 1024;
let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

function cluster(ids: string[]) {
  const net = new MemoryNetwork();
  const clock = new ManualClock();
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (msg) => void warnings.push(msg), error: (msg) => void warnings.push(msg) };
  const nodes = new Map<string, { sync: SettingsSync; applied: number[]; chunkSizes: number[]; placement: Placement }>();
  for (const id of ids) {
    const handlers: JsonHandlers = {};
    const rpc = net.register(id, { store: { put: async () => ({ created: false }), get: async () => new Uint8Array(), has: () => false }, handlers }, { clock });
    const placement = new Placement(3, h, 16);
    placement.update(ids.map((m) => testMember(m)));
    const applied: number[] = [];
    const chunkSizes: number[] = [];
    const apply = (s: { replicationFactor: number; chunkSize: number }) => {
      applied.push(s.replicationFactor);
      chunkSizes.push(s.chunkSize);
    };
    const sync = new SettingsSync(
      { intervalMs: 1000 },
      { selfId: id, store: new MemorySettingsStore(), rpc, placement, clock, random: () => 0, log, defaults: { replicationFactor: 3, chunkSize: 4 * MiB }, apply },
    );
    Object.assign(handlers, sync.handlers());
    nodes.set(id, { sync, applied, chunkSizes, placement });
  }
  return { net, clock, nodes, warnings };
}

describe("SettingsSync", () => {
  test("the environment's default until set; a change is applied here and pushed to every live member", async () => {
    const { nodes } = cluster(["a", "b", "c"]);
    expect(nodes.get("b")!.sync.current()).toEqual({ replicationFactor: 3, chunkSize: 4 * MiB, folderReplicationFactors: {} });
    expect(nodes.get("b")!.applied).toEqual([3]); // applied at start, before the node serves
    const change = await nodes.get("a")!.sync.set({ replicationFactor: 2 });
    expect([change.confirmed, change.members]).toEqual([3, 3]);
    for (const n of nodes.values()) expect(n.sync.current()).toEqual({ replicationFactor: 2, chunkSize: 4 * MiB, folderReplicationFactors: {} });
    expect(nodes.get("c")!.applied).toEqual([3, 2]);
  });

  test("a chunk size change is applied everywhere in bytes and keeps the replication factor set before", async () => {
    const { nodes } = cluster(["a", "b", "c"]);
    await nodes.get("a")!.sync.set({ replicationFactor: 2 });
    const change = await nodes.get("b")!.sync.set({ chunkSizeMiB: 8 });
    expect(change.record.values).toEqual({ replicationFactor: 2, chunkSizeMiB: 8 });
    expect(change.confirmed).toBe(3);
    for (const n of nodes.values()) {
      expect(n.sync.current()).toEqual({ replicationFactor: 2, chunkSize: 8 * MiB, folderReplicationFactors: {} });
      expect(n.chunkSizes).toEqual([4 * MiB, 4 * MiB, 8 * MiB]);
    }
  });

  test("folder factors: set, changed and removed folder by folder on every member, the other settings kept", async () => {
    const { nodes } = cluster(["a", "b", "c"]);
    await nodes.get("a")!.sync.set({ replicationFactor: 2, folderReplicationFactors: { photos: 1, big: 5 } });
    await nodes.get("b")!.sync.set({ folderReplicationFactors: { photos: 3, docs: 4 } });
    for (const n of nodes.values()) expect(n.sync.current()).toEqual({ replicationFactor: 2, chunkSize: 4 * MiB, folderReplicationFactors: { big: 5, docs: 4, photos: 3 } });
    const change = await nodes.get("c")!.sync.set({ folderReplicationFactors: { big: null, docs: null, photos: null } });
    // The last folder removed: no map left in the record, every folder on the cluster's factor.
    expect(change.record.values).toEqual({ replicationFactor: 2 });
    for (const n of nodes.values()) expect(n.sync.current().folderReplicationFactors).toEqual({});
  });

  test("a change that would leave more folder factors than allowed is refused and changes nothing", async () => {
    const { nodes } = cluster(["a", "b"]);
    const a = nodes.get("a")!.sync;
    const many = (from: number, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${from + i}`, 2]));
    await a.set({ folderReplicationFactors: many(0, 40) });
    const version = a.record()!.version;
    await expect(a.set({ folderReplicationFactors: many(40, 40) })).rejects.toThrow(RangeError);
    expect(a.record()!.version).toBe(version);
    expect(Object.keys(nodes.get("b")!.sync.current().folderReplicationFactors)).toHaveLength(40);
  });

  test("a member that missed the push takes the record at its next round; an older record never wins", async () => {
    const { net, clock, nodes } = cluster(["a", "b", "c"]);
    net.setDown("c", true);
    await nodes.get("a")!.sync.set({ replicationFactor: 2 });
    expect(nodes.get("c")!.sync.current().replicationFactor).toBe(3);
    net.setDown("c", false);
    const c = nodes.get("c")!;
    c.sync.start();
    await clock.advance(1500); // one round: asks a random live peer (a), takes its newer record
    expect(c.sync.current().replicationFactor).toBe(2);
    const old = { values: { replicationFactor: 5 }, version: "000000000001000000@z" };
    expect(c.sync.merge(old, "z")).toBe(false);
    expect(c.sync.current().replicationFactor).toBe(2);
    await c.sync.stop();
  });

  test("a round whose peer is down is one rate-limited warning, not an error per pass", async () => {
    const { net, clock, nodes, warnings } = cluster(["a", "b"]);
    net.setDown("b", true);
    const a = nodes.get("a")!;
    a.sync.start();
    await clock.advance(10_500);
    await a.sync.stop();
    expect(warnings.filter((w) => w.startsWith("cluster settings comparison")).length).toBe(3);
    expect(warnings.filter((w) => !w.startsWith("cluster settings comparison"))).toEqual([]);
  });
});
