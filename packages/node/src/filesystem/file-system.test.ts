// FileSystem's commit rule with in-memory peers: a write counts the path's manifest owners that hold this
// very version; a replica holding a newer one makes the writer stamp again above it; a node whose clock is
// off refuses to write. And the chunk size of a write: the live setting as it was when the write started.
import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { pushAnswer } from "../metadata/sync.ts";
import { deleteChange, FakeTime } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { quiet } from "../rpc/peer-rpc.case.ts";
import { ManifestReplicator } from "../replication/manifest-replicator.ts";
import { Placement } from "../replication/placement.ts";
import { Acceptor } from "../consensus/acceptor.ts";
import { MemoryAcceptorStore } from "../consensus/acceptor-store.ts";
import { ConditionalWrites, PreconditionFailed } from "../consensus/conditional-writes.ts";
import { httpPrecondition } from "../consensus/http-preconditions.ts";
import { fileChange } from "../metadata/test-fixtures.ts";
import { systemClock } from "../util/clock.ts";
import type { WriteCoordinator } from "../replication/write-coordinator.ts";
import { FileSystem } from "./file-system.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const noStore = { put: async () => ({ created: false }), get: async (): Promise<Uint8Array> => new Uint8Array(), has: () => false };

/** Chunk ids placed through instantCoordinator, in order. */
const placed: string[] = [];
/** Acknowledges every chunk at once on all three members: these tests are about the manifest. */
const instantCoordinator = {
  writeChunk: async (chunkId: string) => {
    placed.push(chunkId);
    return { chunkId, owners: ["a", "b", "c"], copies: ["a", "b", "c"], queued: [] };
  },
} as unknown as WriteCoordinator;

function cluster(
  times: Record<string, FakeTime>,
  clockProblem?: () => string | undefined,
  joined?: () => boolean,
  notServing?: () => string | undefined,
  chunkSize: () => number = () => 1024,
  publishGraceMs = 20,
) {
  const net = new MemoryNetwork();
  const stores: Record<string, MemoryManifestStore> = {};
  const fss: Record<string, FileSystem> = {};
  const proposers: Record<string, ConditionalWrites> = {};
  const replicators: Record<string, ManifestReplicator> = {};
  for (const id of ["a", "b", "c"]) {
    const store = (stores[id] = new MemoryManifestStore(id, times[id]!.now, { maxDriftMs: 500 }));
    const acceptor = new Acceptor(new MemoryAcceptorStore(), (path) => store.get(path));
    const rpc = net.register(id, {
      store: noStore,
      handlers: {
        "manifests.push": (_f, body) => pushAnswer(store, body),
        "paxos.prepare": (_f, body) => acceptor.prepare(body),
        "paxos.accept": (_f, body) => acceptor.accept(body),
      },
    });
    const placement = new Placement(3, h, 16);
    placement.update(["a", "b", "c"].map((m) => testMember(m)));
    const conditional = (proposers[id] = new ConditionalWrites({ selfId: id, placement, rpc, log: quiet, clock: { ...systemClock, now: times[id]!.now } }));
    const replicator = (replicators[id] = new ManifestReplicator({ selfId: id, syncIntervalMs: 60_000, publishGraceMs }, { manifests: store, placement, rpc, log: quiet }));
    fss[id] = new FileSystem(chunkSize, {
      selfId: id,
      manifests: store,
      placement,
      replicator,
      coordinator: instantCoordinator,
      reader: undefined as never,
      log: quiet,
      clockProblem: id === "a" ? clockProblem : undefined,
      joined: id === "a" ? joined : undefined,
      notServing: id === "a" ? notServing : undefined,
      conditional,
    });
  }
  /** Until the pushes a write's answer did not wait for (the owners past its quorum) have landed. */
  const settled = () => Promise.all(Object.values(replicators).map((r) => r.pushesSettled()));
  return { net, stores, fss, proposers, settled };
}

describe("FileSystem commit", () => {
  test("a write that loses to a newer version at replicas is stamped again above it, and wins everywhere", async () => {
    // a's clock is 300 ms behind the others': within MAX_CLOCK_OFFSET_MS, but enough to order its writes first.
    const behind = new FakeTime(1_700_000_000_000);
    const ahead = new FakeTime(1_700_000_000_300);
    const { stores, fss, settled } = cluster({ a: behind, b: ahead, c: ahead });
    // b deleted q a moment ago (b and c hold the tombstone; a was cut off and missed it).
    stores.b!.commitLocal({ ...deleteChange("q", "dir") });
    stores.c!.apply([stores.b!.get("q")!]);
    const tombstone = stores.b!.get("q")!.version;
    behind.advance(100); // a's mkdir happens after the delete, in real time
    const made = await fss.a!.mkdir("q");
    expect(made.created).toBe(true);
    expect(made.entry.version > tombstone).toBe(true);
    await settled();
    for (const s of Object.values(stores)) expect(s.get("q")).toMatchObject({ deleted: false, version: made.entry.version });
  });

  test("a write is acknowledged only once the rows are on disk: the local copy and every copy counted", async () => {
    const t = new FakeTime();
    const { stores, fss } = cluster({ a: t, b: t, c: t });
    // Every store's fsync waits for the test (a SQLite store's group fsync, store/wal-sync.ts).
    const gates: Record<string, Array<() => void>> = { a: [], b: [], c: [] };
    for (const [id, store] of Object.entries(stores)) store.durable = () => new Promise<void>((resolve) => gates[id]!.push(resolve));
    let acked = false;
    const made = fss.a!.mkdir("d").then(() => (acked = true));
    await Bun.sleep(20);
    // The rows are written everywhere, but nobody has said "on disk" yet.
    expect(stores.b!.get("d")).toMatchObject({ kind: "dir", deleted: false });
    expect(acked).toBe(false);
    for (const resolve of gates.b!.splice(0)) resolve();
    for (const resolve of gates.c!.splice(0)) resolve();
    await Bun.sleep(20);
    expect(acked).toBe(false); // the peers' copies are durable; a's own is not yet
    for (const resolve of gates.a!.splice(0)) resolve();
    await made;
    expect(acked).toBe(true);
  });

  test("a quorum write answers once its quorum holds the rows: the third owner's push goes on behind it", async () => {
    const t = new FakeTime();
    // A grace of a minute: an answer that waited for the third owner would not come while its fsync is held.
    const { stores, fss } = cluster({ a: t, b: t, c: t }, undefined, undefined, undefined, undefined, 60_000);
    const held: Array<() => void> = [];
    stores.c!.durable = () => new Promise<void>((resolve) => held.push(resolve));
    let answered: (Awaited<ReturnType<FileSystem["mkdir"]>>["entry"] & { manifestCopies?: number }) | undefined;
    const made = fss.a!.mkdir("q").then((r) => (answered = r.entry));
    // Turns of the event loop, not time: the in-memory pushes and a's and b's fsyncs settle within a few.
    for (let turn = 0; turn < 100 && answered === undefined; turn++) await new Promise((r) => setImmediate(r));
    expect(held.length).toBe(1); // c applied the push and waits for its fsync
    expect(answered).toMatchObject({ kind: "dir", deleted: false, manifestCopies: 2 });
    for (const resolve of held) resolve();
    await made;
    expect(stores.c!.get("q")).toMatchObject({ deleted: false, version: answered!.version });
  });

  test("a write at durability all still waits for every owner", async () => {
    const t = new FakeTime();
    const { stores, fss } = cluster({ a: t, b: t, c: t }, undefined, undefined, undefined, undefined, 60_000);
    const held: Array<() => void> = [];
    stores.c!.durable = () => new Promise<void>((resolve) => held.push(resolve));
    let answered = false;
    const put = fss.a!.put("f", new Blob(["x"]).stream(), "all").then((r) => ((answered = true), r));
    for (let turn = 0; turn < 100 && held.length === 0; turn++) await new Promise((r) => setImmediate(r));
    for (let turn = 0; turn < 20; turn++) await new Promise((r) => setImmediate(r));
    expect(held.length).toBe(1);
    expect(answered).toBe(false);
    for (const resolve of held) resolve();
    expect((await put).manifestCopies).toBe(3);
  });

  test("a node whose clock is off refuses to write, with nothing stored", async () => {
    const t = new FakeTime();
    const { stores, fss } = cluster({ a: t, b: t, c: t }, () => "this node's clock is 30.0 s behind its peers'");
    await expect(fss.a!.mkdir("x")).rejects.toMatchObject({ status: 503, code: "clock_skew" });
    expect(stores.a!.get("x")).toBeUndefined();
    expect(stores.b!.get("x")).toBeUndefined();
  });

  test("a node that has not reached its cluster refuses quorum reads and writes (its own copy is no quorum)", async () => {
    const t = new FakeTime();
    const { fss } = cluster({ a: t, b: t, c: t }, undefined, () => false);
    await expect(fss.a!.refresh(["x"], "quorum")).rejects.toMatchObject({ status: 503, code: "not_joined" });
    await expect(fss.a!.mkdir("x")).rejects.toMatchObject({ status: 503, code: "not_joined" });
    await fss.a!.refresh(["x"], "local"); // what ?consistency=local asks for: this node's copy
    await fss.b!.refresh(["x"], "quorum");
  });

  test("a resyncing node refuses reads and writes; not joined or a clock off is said first (the cause to fix)", async () => {
    const t = new FakeTime();
    let joined = false;
    let clock: string | undefined = "this node's clock is 30.0 s behind its peers'";
    const { fss } = cluster({ a: t, b: t, c: t }, () => clock, () => joined, () => "resyncing manifests from peers");
    await expect(fss.a!.mkdir("x")).rejects.toMatchObject({ status: 503, code: "not_joined" });
    await expect(fss.a!.refresh(["x"], "quorum")).rejects.toMatchObject({ status: 503, code: "not_joined" });
    joined = true;
    // (Writes check their clock; reads do not, so a write that reads first, like mkdir, meets the resync.)
    expect(() => fss.a!.checkWritable("quorum")).toThrow(expect.objectContaining({ status: 503, code: "clock_skew" }));
    clock = undefined;
    expect(() => fss.a!.checkWritable("quorum")).toThrow(expect.objectContaining({ status: 503, code: "resyncing" }));
    await expect(fss.a!.mkdir("x")).rejects.toMatchObject({ status: 503, code: "resyncing" });
    await expect(fss.a!.refresh(["x"], "quorum")).rejects.toMatchObject({ status: 503, code: "resyncing" });
    await expect(fss.a!.refresh(["x"], "local")).rejects.toMatchObject({ status: 503, code: "resyncing" });
  });

  test("a value a vanished proposer left accepted is applied with the folders above it (no live file without live parents)", async () => {
    const t = new FakeTime();
    const { stores, fss, proposers } = cluster({ a: t, b: t, c: t });
    const etag = (m: { sha256: string | null }) => m.sha256 ?? "";
    // a decided "f/g/o" in a Paxos round and crashed before committing anything, the folders included.
    await proposers.a!.decide(fileChange("f/g/o", 10, "orphan"), httpPrecondition(null, "*", etag)!);
    // b's "create if absent" finds that value, applies it, and is refused because it exists now.
    await expect(fss.b!.compose("f/g/o", [], { sha256: "0".repeat(64) }, { precondition: httpPrecondition(null, "*", etag) })).rejects.toBeInstanceOf(PreconditionFailed);
    for (const id of ["b", "c"]) {
      const s = stores[id]!;
      expect(s.get("f/g/o")).toMatchObject({ deleted: false, kind: "file", sha256: fileChange("f/g/o", 10, "orphan").sha256 });
      expect(s.get("f/g")).toMatchObject({ deleted: false, kind: "dir" });
      expect(s.get("f")).toMatchObject({ deleted: false, kind: "dir" });
    }
  });
});

describe("FileSystem chunk size", () => {
  const bytes = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(n).map((_, i) => (i * 7) % 251);
  const body = (b: Uint8Array<ArrayBuffer>) => new Response(b).body!;

  test("each write takes the chunk size in force when it starts; a file already written keeps its layout", async () => {
    const t = new FakeTime();
    let chunkSize = 1024;
    const { stores, fss, settled } = cluster({ a: t, b: t, c: t }, undefined, undefined, undefined, () => chunkSize);
    const first = await fss.a!.put("x", body(bytes(5000)), "quorum");
    expect([first.chunkSize, first.chunks.length]).toEqual([1024, 5]);
    chunkSize = 2048; // the live setting changed
    const second = await fss.b!.put("y", body(bytes(5000)), "quorum");
    expect([second.chunkSize, second.chunks.length]).toEqual([2048, 3]);
    await settled();
    for (const s of Object.values(stores)) {
      expect(s.get("x")).toMatchObject({ chunkSize: 1024, size: 5000, chunks: first.chunks });
      expect(s.get("y")).toMatchObject({ chunkSize: 2048, size: 5000, chunks: second.chunks });
    }
  });

  test("a put records the content's MD5 only when asked (S3), and the manifest carries it to every node", async () => {
    const t = new FakeTime();
    const { stores, fss, settled } = cluster({ a: t, b: t, c: t });
    const data = bytes(3000);
    const plain = await fss.a!.put("plain", body(data), "quorum");
    const s3 = await fss.a!.put("s3", body(data), "quorum", { md5: true });
    expect(plain.md5).toBeUndefined();
    expect(s3.md5).toBe(new Bun.CryptoHasher("md5").update(data).digest("hex"));
    await settled();
    for (const s of Object.values(stores)) {
      expect(s.get("plain")!.md5).toBeUndefined();
      expect(s.get("s3")!.md5).toBe(s3.md5);
    }
  });

  test("a change while a write streams does not reach it: its chunks and its manifest keep the size it began with", async () => {
    const t = new FakeTime();
    let chunkSize = 1024;
    const { stores, fss, settled } = cluster({ a: t, b: t, c: t }, undefined, undefined, undefined, () => chunkSize);
    const data = bytes(5000);
    let push!: (b: Uint8Array | null) => void;
    const stream = new ReadableStream<Uint8Array>({
      start(ctl) {
        push = (b) => (b ? ctl.enqueue(b) : ctl.close());
      },
    });
    const written = fss.a!.put("slow", stream, "quorum");
    push(data.slice(0, 1500));
    await Bun.sleep(10);
    chunkSize = 4096;
    push(data.slice(1500));
    push(null);
    const result = await written;
    expect([result.chunkSize, result.chunks.length, result.size]).toEqual([1024, 5, 5000]);
    await settled();
    expect(stores.c!.get("slow")).toMatchObject({ chunkSize: 1024, size: 5000 });
    expect(stores.c!.get("slow")!.chunkSizes).toBeUndefined();
  });

  test("parts written under two chunk sizes compose into one file that lists each chunk's size (S3 multipart)", async () => {
    const t = new FakeTime();
    let chunkSize = 1024;
    const { stores, fss, settled } = cluster({ a: t, b: t, c: t }, undefined, undefined, undefined, () => chunkSize);
    await fss.a!.put("part1", body(bytes(5000)), "quorum");
    chunkSize = 2048;
    await fss.a!.put("part2", body(bytes(5000)), "quorum");
    const parts = [stores.a!.get("part1")!, stores.a!.get("part2")!];
    const whole = await fss.a!.compose("whole", parts, { sha256: "0".repeat(64) });
    await settled();
    expect(whole).toMatchObject({ size: 10_000, chunkSize: 2048, chunkSizes: [1024, 1024, 1024, 1024, 904, 2048, 2048, 904] });
    expect(stores.b!.get("whole")?.chunks).toEqual([...parts[0]!.chunks, ...parts[1]!.chunks]);
  });
});

describe("FileSystem inline files", () => {
  const sha = (b: Uint8Array | string) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
  const body = (b: string) => new Response(b).body!;

  test("a small put places no chunk: its row carries the bytes to every owner; asked not to, it places one", async () => {
    const t = new FakeTime();
    const { stores, fss, settled } = cluster({ a: t, b: t, c: t });
    placed.length = 0;
    const small = await fss.a!.put("small", body("tiny content"), "quorum");
    expect([small.chunks, placed]).toEqual([[], []]);
    await settled();
    for (const s of Object.values(stores)) expect(s.get("small")!.inline).toBe(Buffer.from("tiny content").toString("base64"));
    const chunked = await fss.a!.put("part", body("tiny content"), "quorum", { inline: false });
    expect([chunked.chunks, placed]).toEqual([[sha("tiny content")], [sha("tiny content")]]);
    expect(stores.b!.get("part")!.inline).toBeUndefined();
  });

  test("a copy of one inline file copies its bytes; joined with other content, the inline one becomes a chunk first", async () => {
    const t = new FakeTime();
    const { stores, fss, settled } = cluster({ a: t, b: t, c: t });
    await fss.a!.put("small", body("abc"), "quorum");
    await fss.a!.put("part", body("defg"), "quorum", { inline: false });
    placed.length = 0;
    const copy = await fss.b!.compose("copy", [stores.b!.get("small")!], { sha256: sha("abc") });
    expect([copy.inline, copy.chunks, copy.size, placed]).toEqual([Buffer.from("abc").toString("base64"), [], 3, []]);
    const joined = await fss.b!.compose("joined", [stores.b!.get("small")!, stores.b!.get("part")!], { sha256: sha("abcdefg") });
    expect(placed).toEqual([sha("abc")]);
    await settled();
    expect(joined).toMatchObject({ size: 7, chunks: [sha("abc"), sha("defg")], chunkSizes: [3, 4] });
    expect(stores.c!.get("joined")!.inline).toBeUndefined();
  });
});

describe("FileSystem read of a small file whose row is damaged here", () => {
  test("put back from an owner's copy of the same write, then read: the client gets the file's bytes", async () => {
    const t = new FakeTime();
    const { stores, fss } = cluster({ a: t, b: t, c: t });
    const bytes = Buffer.from("a small file kept in its row");
    const good = stores.a!.commitLocal({
      path: "s.txt", kind: "file", deleted: false, size: bytes.byteLength, sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex"),
      chunkSize: 1024, chunks: [], inline: bytes.toString("base64"), mtime: 1,
    });
    const copy = { ...good };
    // The damage: other bytes of the same length under the same version (a bad sector under the database).
    (stores.a!.get("s.txt", "file") as { inline?: string }).inline = Buffer.from("A small file kept in its row").toString("base64");
    const asked: string[] = [];
    (fss.a as unknown as { c: { reads: unknown } }).c.reads = {
      ownersRows: async (path: string) => {
        asked.push(path);
        return [copy];
      },
    };
    const read = await fss.a!.read(stores.a!.get("s.txt", "file")!, {});
    expect(read.status).toBe(200);
    expect(Buffer.from(await new Response(read.body).arrayBuffer()).toString()).toBe(bytes.toString());
    expect(asked).toEqual(["s.txt"]);
    expect(stores.a!.get("s.txt", "file")!.inline).toBe(copy.inline);

    // With no owner holding a sound copy it stays refused: 500 inline_corrupt, never other bytes.
    (stores.a!.get("s.txt", "file") as { inline?: string }).inline = Buffer.from("A small file kept in its row").toString("base64");
    (fss.a as unknown as { c: { reads: unknown } }).c.reads = { ownersRows: async () => [] };
    await expect(fss.a!.read(stores.a!.get("s.txt", "file")!, {})).rejects.toMatchObject({ status: 500, code: "inline_corrupt" });
  });
});
