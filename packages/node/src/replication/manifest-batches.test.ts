// Quorum reads and pushes made by many requests at once travel as one call per owner per turn (16 clients: one
// manifests.get and one manifests.push per owner, not 16), and every request still gets its own answer; a quorum
// read asks only the owners its quorum needs (another when one fails or is slow).
import { beforeAll, describe, expect, test } from "bun:test";
import { logger } from "../log.ts";
import { testMember } from "../membership/test-member.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { pushAnswer } from "../metadata/sync.ts";
import { deleteChange, fileChange } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { ManualClock } from "../util/manual-clock.ts";
import type { JsonRequest } from "../rpc/methods.ts";
import { childrenAnswer, getAnswer, newerAnswer, newerChildrenAnswer } from "./manifest-answers.ts";
import { MAX_BATCH_BYTES, rowBytes } from "./manifest-batches.ts";
import { NEWER_RETRY_MS } from "./older-members.ts";
import { ManifestReads } from "./manifest-reads.ts";
import { ManifestReplicator } from "./manifest-replicator.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const noStore = { put: async () => ({ created: false }), get: async (): Promise<Uint8Array> => new Uint8Array(), has: () => false };
const log = logger("test");

/**
 * Three members a, b, c (RF 3) with memory stores; b and c count the calls they answer, by method (`reads`: both
 * kinds of quorum read), and the rows their read answers carried. Members named in `older` are of an earlier
 * version: they do not know manifests.newer.
 */
function cluster(clock?: ManualClock, older: readonly string[] = []) {
  const net = new MemoryNetwork();
  const stores = new Map(["a", "b", "c"].map((id) => [id, new MemoryManifestStore(id)] as const));
  const calls = { reads: 0, "manifests.get": 0, "manifests.newer": 0, "manifests.push": 0, paths: 0, rows: 0, rowsSent: 0, pages: 0 };
  const sent = <A extends { rows: unknown[] }>(answer: A): A => {
    calls.rowsSent += answer.rows.filter((r) => r !== null).length;
    return answer;
  };
  for (const id of ["b", "c"]) {
    const store = stores.get(id)!;
    net.register(id, {
      store: noStore,
      handlers: {
        "manifests.get": (_f, body) => {
          calls.reads++;
          calls["manifests.get"]++;
          calls.paths += body.paths.length;
          return sent(getAnswer(store, body));
        },
        "manifests.children": (_f, body) => {
          calls.pages++;
          return sent(childrenAnswer(store, body));
        },
        ...(older.includes(id)
          ? {}
          : {
              "manifests.newer": (_f: string, body: JsonRequest<"manifests.newer">) => {
                calls.reads++;
                calls["manifests.newer"]++;
                calls.paths += body.paths.length;
                return sent(newerAnswer(store, body));
              },
              "manifests.newerChildren": (_f: string, body: JsonRequest<"manifests.newerChildren">) => {
                calls.pages++;
                return sent(newerChildrenAnswer(store, body));
              },
            }),
        "manifests.push": (_f, body) => {
          calls["manifests.push"]++;
          calls.rows += body.entries.length;
          return pushAnswer(store, body);
        },
      },
    });
  }
  const inner = net.register("a", { store: noStore, handlers: {} }, { clock });
  // The calls a makes, by method, whether or not the callee knows the method.
  const asked = new Map<string, number>();
  const rpc: PeerRpc = {
    selfId: "a",
    call: (id, method, request, opts) => {
      asked.set(method, (asked.get(method) ?? 0) + 1);
      return inner.call(id, method, request, opts);
    },
    callMany: (ids, method, request, opts) => inner.callMany(ids, method, request, opts),
  };
  const placement = new Placement(3, h, 16);
  placement.update(["a", "b", "c"].map((id) => testMember(id, "alive")));
  const manifests = stores.get("a")!;
  const reads = new ManifestReads({ selfId: "a", manifests, placement, rpc, log, synced: () => true, clock });
  const replicator = new ManifestReplicator({ selfId: "a", syncIntervalMs: 60_000, publishGraceMs: 0 }, { manifests, placement, rpc, log });
  return { net, stores, calls, asked, reads, replicator, manifests, placement };
}

describe("batched manifest calls", () => {
  test("16 quorum reads at once are one call, and each brings its own row", async () => {
    const { stores, calls, reads, manifests } = cluster();
    // Rows a does not hold yet: each read must bring its own from the owners.
    const written = Array.from({ length: 16 }, (_, i) => stores.get("b")!.commitLocalBatch([fileChange(`d/f${i}`)])[0]!);
    stores.get("c")!.apply(written);
    await Promise.all(written.map((m) => reads.refresh([m.path])));
    for (const m of written) expect(manifests.get(m.path, "file")?.version).toBe(m.version);
    // a and one owner make the read quorum: one call to b carrying all 16 paths (before batching: 16 calls to
    // each of b and c; before reads asked only the owners they need: one call to each).
    await Bun.sleep(10);
    expect(calls.reads).toBe(1);
    expect(calls.paths).toBe(16);
    // A read of the next turn is a call of its own.
    await reads.refresh(["d/f0"]);
    await Bun.sleep(10);
    expect(calls.reads).toBe(2);
    expect(reads.gets.sent).toEqual({ calls: 2, items: 17 });
  });

  test("16 commits pushed at once are one manifests.push per owner, and each counts the versions of its own rows", async () => {
    const { stores, calls, replicator, manifests } = cluster();
    const commits: Manifest[][] = Array.from({ length: 16 }, (_, i) => manifests.commitLocalBatch([fileChange(`d/f${i}`)]));
    // c holds a newer write of d/f3: that commit alone must learn it.
    stores.get("c")!.observe(commits[15]![0]!.version);
    const newer = stores.get("c")!.commitLocalBatch([fileChange("d/f3", 10, "theirs", 5)])[0]!;
    expect(newer.version > commits[15]![0]!.version).toBe(true);
    const acks = await Promise.all(commits.map((rows) => replicator.publish(rows, (a) => a.size >= 2)));
    expect(calls["manifests.push"]).toBe(2);
    expect(calls.rows).toBe(32);
    acks.forEach((a, i) => {
      expect(a.get("b")).toEqual([commits[i]![0]!.version]);
      expect(a.get("c")).toEqual([i === 3 ? newer.version : commits[i]![0]!.version]);
    });
    for (const id of ["b", "c"]) expect(stores.get(id)!.get("d/f0", "file")?.version).toBe(commits[0]![0]!.version);
  });

  test("a row's estimated size bounds a batch: a huge manifest never shares its call", () => {
    const small = { ...fileChange("d/x"), version: "v", origin: "a", seq: 1 } as Manifest;
    const huge = { ...small, chunks: Array.from({ length: 100_000 }, () => "0".repeat(64)) };
    expect(rowBytes(small)).toBeLessThan(2048);
    expect(rowBytes(huge)).toBeGreaterThan(JSON.stringify(huge).length);
    expect(rowBytes(huge)).toBeLessThan(2 * MAX_BATCH_BYTES);
    expect(2 * rowBytes(huge)).toBeGreaterThan(MAX_BATCH_BYTES);
  });
});

describe("a quorum read brings back only rows newer than this node's", () => {
  test("a row this node holds comes back as null, a newer one whole, and one it lacks whole", async () => {
    const { stores, calls, reads, manifests } = cluster();
    const [same, stale, missing] = stores.get("b")!.commitLocalBatch([fileChange("d/same"), fileChange("d/stale"), fileChange("d/missing")]);
    manifests.apply([same!, stale!]);
    const newer = stores.get("b")!.commitLocalBatch([fileChange("d/stale", 20)])[0]!;
    await reads.refresh(["d/same", "d/stale", "d/missing"]);
    expect(calls).toMatchObject({ reads: 1, "manifests.newer": 1, "manifests.get": 0, paths: 3 });
    // Only the rows a lacked or held older: before, all three came back (and a compared and dropped the first).
    expect(calls.rowsSent).toBe(2);
    expect(manifests.get("d/same", "file")?.version).toBe(same!.version);
    expect(manifests.get("d/stale", "file")?.version).toBe(newer.version);
    expect(manifests.get("d/missing", "file")?.version).toBe(missing!.version);
    // A row a holds newer than the owner's is not sent either, and stays.
    const mine = manifests.commitLocalBatch([fileChange("d/same", 30)])[0]!;
    await reads.refresh(["d/same"]);
    expect(calls.rowsSent).toBe(2);
    expect(manifests.get("d/same", "file")?.version).toBe(mine.version);
  });

  test("the owner answers by the versions the call carries: an older or equal row is null, a directory and a file apart", () => {
    const owner = new MemoryManifestStore("b");
    const [file, dir] = owner.commitLocalBatch([fileChange("p"), { ...fileChange("p"), kind: "dir", size: 0, sha256: null, chunks: [] }]);
    const ask = (have: Array<string | null>) => newerAnswer(owner, { paths: ["p", "q"], have: [...have, null, null] }).rows;
    expect(ask([null, null])).toEqual([file!, dir!, null, null]);
    expect(ask([file!.version, dir!.version])).toEqual([null, null, null, null]);
    expect(ask([file!.version, "000000000000000000@a"])).toEqual([null, dir!, null, null]);
    expect(ask(["ffffffffffff000000@a", null])).toEqual([null, dir!, null, null]);
  });

  test("a member of an earlier version (no manifests.newer) is read with manifests.get, and asked again later", async () => {
    const clock = new ManualClock();
    const { stores, calls, asked, reads, manifests } = cluster(clock, ["b"]);
    const row = stores.get("b")!.commitLocalBatch([fileChange("d/old")])[0]!;
    await reads.refresh(["d/old"]);
    // b refused the method it does not know (no handler ran) and answered the manifests.get that followed at once.
    expect(calls).toMatchObject({ reads: 1, "manifests.get": 1, "manifests.newer": 0 });
    expect(Object.fromEntries(asked)).toEqual({ "manifests.newer": 1, "manifests.get": 1 });
    expect(manifests.get("d/old", "file")?.version).toBe(row.version);
    // Remembered: the next read asks with manifests.get straight away.
    await reads.refresh(["d/old"]);
    expect(Object.fromEntries(asked)).toEqual({ "manifests.newer": 1, "manifests.get": 2 });
    // Once the retry time has passed it is asked with manifests.newer again (it may have been upgraded).
    await clock.advance(NEWER_RETRY_MS);
    const newer = stores.get("b")!.commitLocalBatch([fileChange("d/old", 40)])[0]!;
    await reads.refresh(["d/old"]);
    expect(Object.fromEntries(asked)).toEqual({ "manifests.newer": 2, "manifests.get": 3 });
    expect(manifests.get("d/old", "file")?.version).toBe(newer.version);
  });
});

describe("a listing's quorum read brings back only rows this node lacks or holds older", () => {
  /** b and c hold the folder d: 30 files (a tombstone among them), a directory and a file of one name. */
  function folder(fx: ReturnType<typeof cluster>) {
    const rows = fx.stores.get("b")!.commitLocalBatch([
      ...Array.from({ length: 30 }, (_, i) => fileChange(`d/f${String(i).padStart(2, "0")}`)),
      { ...fileChange("d/same"), kind: "dir" as const, size: 0, sha256: null, chunks: [] },
      fileChange("d/same"),
    ]);
    rows.push(fx.stores.get("b")!.commitLocal(deleteChange("d/f05", "file")));
    fx.stores.get("c")!.apply(rows);
    return rows;
  }

  test("a page this node holds comes back empty; then only what changed", async () => {
    const fx = cluster();
    const { stores, calls, reads, manifests } = fx;
    manifests.apply(folder(fx));
    await reads.refreshChildren("d", { limit: 100 });
    expect(calls.pages).toBe(1);
    expect(calls.rowsSent).toBe(0); // before: all 32 rows, each checked and dropped
    const changed = stores.get("b")!.commitLocalBatch([fileChange("d/f07", 50), fileChange("d/new")]);
    await reads.refreshChildren("d", { limit: 100 });
    expect(calls.rowsSent).toBe(2);
    for (const m of changed) expect(manifests.get(m.path, "file")?.version).toBe(m.version);
  });

  test("pages: each brings what this node lacks in its range, and nothing past it is lost", async () => {
    const fx = cluster();
    const { calls, reads, manifests, stores } = fx;
    const rows = folder(fx);
    // a holds every other row: each page must bring the rest.
    manifests.apply(rows.filter((_, i) => i % 2 === 0));
    let after: string | undefined;
    for (;;) {
      await reads.refreshChildren("d", { after, limit: 7 });
      const page = manifests.children("d", { after, limit: 7, rows: true });
      if (page.length === 0) break;
      after = page.at(-1)!.path.slice(2);
    }
    const key = (m: { path: string; kind: string; version: string }) => `${m.kind}:${m.path}@${m.version}`;
    expect(manifests.children("d", { limit: 100, rows: true }).map(key)).toEqual(stores.get("b")!.children("d", { limit: 100, rows: true }).map(key));
    expect(calls.rowsSent).toBeLessThanOrEqual(rows.length);
  });

  test("the owner compares by kind and name: a directory held does not stand for the file of its name", () => {
    const owner = new MemoryManifestStore("b");
    const [dir, file] = owner.commitLocalBatch([{ ...fileChange("p/x"), kind: "dir", size: 0, sha256: null, chunks: [] }, fileChange("p/x")]);
    const ask = (have: Array<[string, "file" | "dir", string]>) => newerChildrenAnswer(owner, { dir: "p", limit: 10, have }).rows;
    expect(ask([])).toEqual([dir!, file!]);
    expect(ask([["x", "dir", dir!.version]])).toEqual([file!]);
    expect(ask([["x", "dir", dir!.version], ["x", "file", file!.version]])).toEqual([]);
    expect(ask([["x", "file", "000000000000000000@a"]])).toEqual([dir!, file!]);
    expect(ask([["__proto__", "file", file!.version], ["x/..", "dir", dir!.version]])).toEqual([dir!, file!]);
  });

  test("a full page that ends with a directory and a file of one name (limit + 1 rows) is accepted, by either call", async () => {
    for (const older of [[], ["b", "c"]]) {
      const fx = cluster(undefined, older);
      const names = Array.from({ length: 999 }, (_, i) => fileChange(`big/f${String(i).padStart(4, "0")}`));
      const pair = [{ ...fileChange("big/zz"), kind: "dir" as const, size: 0, sha256: null, chunks: [] }, fileChange("big/zz")];
      const rows = fx.stores.get("b")!.commitLocalBatch([...names, ...pair]);
      fx.stores.get("c")!.apply(rows);
      await fx.reads.refreshChildren("big", { limit: 1000 });
      expect(fx.manifests.childVersions("big", { limit: 1000 })).toHaveLength(1001);
    }
  });

  test("a member of an earlier version is read with manifests.children", async () => {
    const fx = cluster(undefined, ["b"]);
    const { asked, reads, manifests } = fx;
    const rows = folder(fx);
    await reads.refreshChildren("d", { limit: 100 });
    expect(Object.fromEntries(asked)).toEqual({ "manifests.newerChildren": 1, "manifests.children": 1 });
    expect(manifests.children("d", { limit: 100, rows: true })).toHaveLength(rows.length - 1); // f05's two rows are one key
  });
});

describe("a quorum read asks the owners it needs", () => {
  test("one owner beside this node when it answers; the next at once when it fails", async () => {
    const { net, stores, calls, reads, manifests } = cluster();
    const row = stores.get("b")!.commitLocalBatch([fileChange("d/x")])[0]!;
    stores.get("c")!.apply([row]);
    await reads.refresh(["d/x"]);
    await Bun.sleep(10);
    expect(calls.reads).toBe(1); // b only: a's id is followed by b's
    expect(manifests.get("d/x", "file")?.version).toBe(row.version);
    // b refuses connections: c is asked, and the read still makes its quorum.
    net.setDown("b", true);
    const newer = stores.get("c")!.commitLocalBatch([fileChange("d/x", 20)])[0]!;
    await reads.refresh(["d/x"]);
    expect(calls.reads).toBe(2);
    expect(manifests.get("d/x", "file")?.version).toBe(newer.version);
  });

  test("an owner that does not answer within the hedge delay: the other is asked too", async () => {
    const clock = new ManualClock();
    const { net, stores, calls, reads, manifests } = cluster(clock);
    const row = stores.get("c")!.commitLocalBatch([fileChange("d/y")])[0]!;
    net.setHung("b", true);
    let done = false;
    const read = reads.refresh(["d/y"]).then(() => (done = true));
    await clock.advance(reads.hedge.delayMs() - 1);
    expect(done).toBe(false);
    expect(calls.reads).toBe(0); // b is hung: its handler never runs
    await clock.advance(1);
    await read;
    expect(calls.reads).toBe(1); // c's
    expect(manifests.get("d/y", "file")?.version).toBe(row.version);
  });

  test("no owner answers: 503 read_quorum_unreachable", async () => {
    const { net, reads } = cluster();
    net.setDown("b", true);
    net.setDown("c", true);
    await expect(reads.refresh(["d/z"])).rejects.toMatchObject({ status: 503, code: "read_quorum_unreachable" });
  });

  test("a suspect owner is asked after the alive one", async () => {
    const { stores, calls, reads, placement, manifests } = cluster();
    placement.update(["a", "b", "c"].map((id) => testMember(id, id === "b" ? "suspect" : "alive")));
    // Only c holds the row: a has it afterwards only if c, not b, made the quorum with it.
    const row = stores.get("c")!.commitLocalBatch([fileChange("d/s")])[0]!;
    await reads.refresh(["d/s"]);
    await Bun.sleep(10);
    expect(calls.reads).toBe(1);
    expect(manifests.get("d/s", "file")?.version).toBe(row.version);
  });
});
