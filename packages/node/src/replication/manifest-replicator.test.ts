import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import type { MemberState } from "../membership/types.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { fileChange } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { logger } from "../log.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { answerSyncRequest } from "../metadata/sync.ts";
import { MAX_ROUNDS_IN_FLIGHT, ManifestReplicator } from "./manifest-replicator.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const noStore = { put: async () => ({ created: false }), get: async (): Promise<Uint8Array> => new Uint8Array(), has: () => false };

/** Peers that record the paths pushed to them and answer each with `held(peer, version)` (default: ours). */
function recordingPeers(net: MemoryNetwork, ids: readonly string[], held = (_peer: string, version: string) => version): Map<string, string[]> {
  const received = new Map<string, string[]>();
  for (const id of ids) {
    received.set(id, []);
    net.register(id, {
      store: noStore,
      handlers: {
        "manifests.push": (_from, body) => {
          received.get(id)!.push(...body.entries.map((e) => e.path));
          return { applied: body.entries.length, versions: body.entries.map((e) => held(id, e.version)) };
        },
      },
    });
  }
  return received;
}

describe("ManifestReplicator.publish", () => {
  test("pushes to alive and suspect peers, not to dead ones, and reports who acknowledged", async () => {
    // Every peer is reachable and records the pushes it receives, so a push to the dead one would show.
    const net = new MemoryNetwork();
    // c answers that it holds a newer version of each path.
    const received = recordingPeers(net, ["b", "c", "d"], (id, version) => (id === "c" ? `${version}z` : version));
    const rpc = net.register("a", { store: noStore, handlers: {} });
    const member = (id: string, state: MemberState) => testMember(id, state);
    const placement = new Placement(3, h, 16);
    placement.update([member("a", "alive"), member("b", "alive"), member("c", "suspect"), member("d", "dead")]);
    const manifests = new MemoryManifestStore("a");
    const replicator = new ManifestReplicator(
      { selfId: "a", syncIntervalMs: 60_000, publishGraceMs: 1000 },
      { manifests, placement, rpc, log: logger("test") },
    );
    const committed = manifests.commitLocalBatch([fileChange("photos/cat.jpg")]);
    const acks = await replicator.publish(committed, (a) => a.size >= 1);
    expect([...acks.keys()].sort()).toEqual(["b", "c"]);
    // Each answer says which version the path holds there now: b took ours, c holds a newer one.
    expect(acks.get("b")).toEqual([committed[0]!.version]);
    expect(acks.get("c")).toEqual([`${committed[0]!.version}z`]);
    expect(received.get("b")).toEqual(["photos/cat.jpg"]);
    expect(received.get("c")).toEqual(["photos/cat.jpg"]);
    expect(received.get("d")).toEqual([]);
  });

  test("a peer that cannot be reached does not count, and the answer comes after the grace period", async () => {
    const net = new MemoryNetwork();
    const push = (_f: string, body: { entries: Array<{ version: string }> }) => ({ applied: body.entries.length, versions: body.entries.map((e) => e.version) });
    net.register("b", { store: noStore, handlers: { "manifests.push": push } });
    net.register("c", { store: noStore, handlers: { "manifests.push": push } });
    net.setDown("c", true);
    const rpc = net.register("a", { store: noStore, handlers: {} });
    const placement = new Placement(3, h, 16);
    placement.update([testMember("a", "alive"), testMember("b", "alive"), testMember("c", "alive")]);
    const manifests = new MemoryManifestStore("a");
    const replicator = new ManifestReplicator(
      { selfId: "a", syncIntervalMs: 60_000, publishGraceMs: 50 },
      { manifests, placement, rpc, log: { debug() {}, info() {}, warn() {}, error() {} } },
    );
    const acks = await replicator.publish(manifests.commitLocalBatch([fileChange("x")]), (a) => a.size >= 2);
    expect([...acks.keys()]).toEqual(["b"]);
  });
});

describe("ManifestReplicator.publish: each row to its owners", () => {
  test("with more members than the factor, a row goes to its path's manifest owners only (O(RF), not O(N))", async () => {
    const net = new MemoryNetwork();
    const ids = Array.from({ length: 9 }, (_, i) => `n${i}`);
    const received = recordingPeers(net, ids.slice(1));
    const rpc = net.register("n0", { store: noStore, handlers: {} });
    const placement = new Placement(3, h, 16);
    placement.update(ids.map((id) => testMember(id, "alive")));
    const manifests = new MemoryManifestStore("n0");
    const replicator = new ManifestReplicator({ selfId: "n0", syncIntervalMs: 60_000, publishGraceMs: 1000 }, { manifests, placement, rpc, log: logger("test") });
    // Two folders whose owner sets differ, so each row's targets are its own.
    const folders = ["docs", "music", "photos", "video", "notes"];
    const owners = (path: string) => placement.manifestOwners(path);
    const a = folders[0]!;
    const b = folders.find((f) => owners(`${f}/x`).sort().join() !== owners(`${a}/x`).sort().join())!;
    const committed = manifests.commitLocalBatch([fileChange(`${a}/x`), fileChange(`${b}/y`), fileChange(`${a}/z`)]);
    const acks = await replicator.publish(committed, () => false);
    for (const id of ids.slice(1)) {
      const expected = committed.filter((m) => owners(m.path).includes(id)).map((m) => m.path);
      expect(received.get(id)).toEqual(expected);
      // The answer is index-aligned with the rows: a hole where this owner was not sent one.
      if (expected.length > 0) expect(acks.get(id)!.map((v, i) => (v === undefined ? undefined : committed[i]!.path)).filter(Boolean)).toEqual(expected);
      else expect(acks.has(id)).toBe(false);
    }
    const pushes = [...received.values()].reduce((n, paths) => n + paths.length, 0);
    const expectedPushes = committed.reduce((n, m) => n + owners(m.path).filter((id) => id !== "n0").length, 0);
    expect(pushes).toBe(expectedPushes);
    expect(pushes).toBeLessThanOrEqual(3 * committed.length);
    // Some members own none of these rows and were sent nothing.
    expect([...received.values()].some((paths) => paths.length === 0)).toBe(true);
  });
});

describe("ManifestReplicator.tick", () => {
  test("catches up with every new peer, at most MAX_ROUNDS_IN_FLIGHT rounds at once, in random order", async () => {
    const net = new MemoryNetwork();
    const peers = Array.from({ length: 24 }, (_, i) => `p${String(i).padStart(2, "0")}`);
    let inFlight = 0;
    let most = 0;
    const order: string[] = [];
    for (const id of peers) {
      const store = new MemoryManifestStore(id);
      net.register(id, {
        store: noStore,
        handlers: {
          "manifests.sync": async (_from, body) => {
            inFlight++;
            most = Math.max(most, inFlight);
            order.push(id);
            await Bun.sleep(5);
            inFlight--;
            return answerSyncRequest(store, body);
          },
        },
      });
    }
    const rpc = net.register("a", { store: noStore, handlers: {} });
    const placement = new Placement(3, h, 16);
    placement.update(["a", ...peers].map((id) => testMember(id, "alive")));
    const replicator = new ManifestReplicator(
      { selfId: "a", syncIntervalMs: 60_000, publishGraceMs: 1000 },
      { manifests: new MemoryManifestStore("a"), placement, rpc, log: logger("test") },
    );
    // A join storm: one tick per member change, all at once.
    for (let i = 0; i < peers.length; i++) replicator.tick();
    const deadline = Date.now() + 10_000;
    while (new Set(order).size < peers.length && Date.now() < deadline) await Bun.sleep(10);
    expect(new Set(order).size).toBe(peers.length);
    expect(order.length).toBe(peers.length); // each once: no round piled on one already running or done
    expect(most).toBeLessThanOrEqual(MAX_ROUNDS_IN_FLIGHT);
    expect(most).toBeGreaterThan(1);
    expect(order.slice(0, 4)).not.toEqual(peers.slice(0, 4)); // not everyone's first few members first
  });
});

describe("ManifestReplicator catching up with many peers", () => {
  test("reads the member list once per member change, not once per round (a node catching up with N peers did O(N²))", async () => {
    const net = new MemoryNetwork();
    const peers = Array.from({ length: 300 }, (_, i) => `p${String(i).padStart(3, "0")}`);
    const synced = new Set<string>();
    for (const id of peers) {
      const store = new MemoryManifestStore(id);
      net.register(id, {
        store: noStore,
        handlers: {
          "manifests.sync": async (_from, body) => {
            synced.add(id);
            return answerSyncRequest(store, body);
          },
        },
      });
    }
    const rpc = net.register("a", { store: noStore, handlers: {} });
    const placement = new Placement(3, h, 16);
    placement.update(["a", ...peers].map((id) => testMember(id, "alive")));
    let listed = 0;
    for (const name of ["members", "memberValues"] as const) {
      const original = placement[name].bind(placement);
      placement[name] = (() => {
        listed++;
        return original();
      }) as never;
    }
    const replicator = new ManifestReplicator(
      { selfId: "a", syncIntervalMs: 60_000, publishGraceMs: 1000 },
      { manifests: new MemoryManifestStore("a"), placement, rpc, log: logger("test") },
    );
    replicator.tick();
    const deadline = Date.now() + 20_000;
    while (synced.size < peers.length && Date.now() < deadline) await Bun.sleep(5);
    expect(synced.size).toBe(peers.length);
    // One listing when the rounds start; the rounds that follow draw from it.
    expect(listed).toBeLessThan(10);
    // A member change (one peer dead, then back) lists them again, and the returning peer is fresh again.
    const before = synced.size;
    synced.clear();
    placement.update(["a", ...peers].map((id) => testMember(id, id === "p007" ? "dead" : "alive")));
    replicator.tick();
    placement.update(["a", ...peers].map((id) => testMember(id, "alive")));
    replicator.tick();
    while (!synced.has("p007") && Date.now() < deadline) await Bun.sleep(5);
    expect(before).toBe(peers.length);
    expect([...synced]).toContain("p007");
    expect(listed).toBeLessThan(20);
  });

  test("a round with a peer that died and never answers does not hold up the periodic round", async () => {
    const net = new MemoryNetwork();
    const rounds = new Map<string, number>();
    for (const id of ["b", "c"]) {
      const store = new MemoryManifestStore(id);
      net.register(id, {
        store: noStore,
        handlers: {
          "manifests.sync": async (_from, body) => {
            rounds.set(id, (rounds.get(id) ?? 0) + 1);
            // b hangs (a process stopped for good before answering).
            if (id === "b") await new Promise(() => {});
            return answerSyncRequest(store, body);
          },
        },
      });
    }
    // Sync pages time out after 30 s (dataMs): longer than this test waits.
    const rpc = net.register("a", { store: noStore, handlers: {} });
    const placement = new Placement(3, h, 16);
    placement.update(["a", "b", "c"].map((id) => testMember(id, "alive")));
    const replicator = new ManifestReplicator(
      { selfId: "a", syncIntervalMs: 60_000, publishGraceMs: 1000 },
      { manifests: new MemoryManifestStore("a"), placement, rpc, log: logger("test") },
    );
    replicator.tick();
    const deadline = Date.now() + 5000;
    while (rounds.get("c") !== 1 && Date.now() < deadline) await Bun.sleep(5);
    placement.update(["a", "b", "c"].map((id) => testMember(id, id === "b" ? "dead" : "alive")));
    replicator.tick();
    while ((rounds.get("c") ?? 0) < 2 && Date.now() < deadline) await Bun.sleep(5);
    expect(rounds.get("b")).toBe(1);
    expect(rounds.get("c")).toBe(2);
  });
});

describe("ManifestReplicator idling", () => {
  test("the periodic pass is quiet once every peer is caught up and the last periodic round brought nothing; not after one that brought rows", async () => {
    const net = new MemoryNetwork();
    const b = new MemoryManifestStore("b");
    net.register("b", { store: noStore, handlers: { "manifests.sync": async (_from, body) => answerSyncRequest(b, body) } });
    const rpc = net.register("a", { store: noStore, handlers: {} });
    const placement = new Placement(3, h, 16);
    placement.update(["a", "b"].map((id) => testMember(id, "alive")));
    const mine = new MemoryManifestStore("a");
    const replicator = new ManifestReplicator({ selfId: "a", syncIntervalMs: 1000, publishGraceMs: 1000 }, { manifests: mine, placement, rpc, log: logger("test") });
    expect(replicator.tick()).toBeUndefined(); // b is new: a fresh round starts
    await replicator.quiesce();
    expect(replicator.tick()).toBeUndefined(); // the first periodic round starts; nothing is known of it yet
    await replicator.quiesce();
    expect(replicator.tick()).toBe("quiet"); // it brought nothing
    await replicator.quiesce();
    b.commitLocal(fileChange("x.txt"));
    expect(replicator.tick()).toBe("quiet"); // the round that takes /x.txt has only started
    await replicator.quiesce();
    expect(mine.get("x.txt")).toBeDefined();
    expect(replicator.tick()).toBeUndefined(); // the last round brought a row: the next comes one interval later
  });
});
