// The ZIP writer's archives as other programs read them: Python's zipfile (CRCs checked, every byte read back)
// and Info-ZIP's unzip -t, for an empty file, unicode names, a folder tree, forced ZIP64 and > 65535 entries.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dosDateTime, type ZipEntry, type ZipOptions, zipLength, zipParts, zipStream } from "./zip-writer.ts";

const dir = mkdtempSync(join(tmpdir(), "zip-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stream handing out `bytes` in pieces of `piece` (as the chunk reader does). */
function streamOf(bytes: Uint8Array, piece = 1000): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.byteLength) return c.close();
      c.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

const file = (name: string, bytes: Uint8Array, mtime = Date.UTC(2024, 4, 17, 10, 30)): ZipEntry => ({
  kind: "file",
  name,
  mtime,
  size: bytes.byteLength,
  open: async () => streamOf(bytes),
});

let n = 0;
async function writeZip(entries: ZipEntry[], opts?: ZipOptions): Promise<string> {
  const path = join(dir, `a${n++}.zip`);
  writeFileSync(path, new Uint8Array(await new Response(zipStream(entries, opts)).arrayBuffer()));
  return path;
}

/** What Python's zipfile makes of the archive: names, sizes, directories, sha-1 of contents, after testzip(). */
function pythonRead(path: string): { bad: string | null; entries: { name: string; size: number; dir: boolean; sha1: string; mtime: number[] }[]; count: number } {
  const script = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
infos = z.infolist()
out = {"bad": z.testzip(), "count": len(infos), "entries": [
  {"name": i.filename, "size": i.file_size, "dir": i.is_dir(), "sha1": hashlib.sha1(z.read(i)).hexdigest(), "mtime": list(i.date_time)}
  for i in infos[:50]]}
print(json.dumps(out))`;
  const r = Bun.spawnSync(["python3", "-c", script, path]);
  if (r.exitCode !== 0) throw new Error(`python zipfile failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString());
}

function unzipTest(path: string): string {
  const r = Bun.spawnSync(["unzip", "-t", path]);
  expect(r.exitCode, r.stdout.toString() + r.stderr.toString()).toBe(0);
  return r.stdout.toString();
}

const sha1 = (b: Uint8Array) => new Bun.CryptoHasher("sha1").update(b).digest("hex");
const bytes = (size: number, seed = 1) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);

describe("zip writer", () => {
  const big = bytes(300_000);
  const small = new TextEncoder().encode("hello zip\n");
  const tree: ZipEntry[] = [
    { kind: "dir", name: "photos", mtime: Date.UTC(2024, 0, 1) },
    file("photos/empty.txt", new Uint8Array(0)),
    file("photos/été 📷.bin", big),
    { kind: "dir", name: "photos/sub/", mtime: Date.UTC(2024, 0, 1) },
    file("photos/sub/hello.txt", small),
    { kind: "dir", name: "photos/sub/nothing", mtime: Date.UTC(2024, 0, 1) },
  ];

  test("Python's zipfile and unzip -t read a folder tree with an empty file and unicode names, bytes and CRCs intact", async () => {
    const path = await writeZip(tree);
    const read = pythonRead(path);
    expect(read.bad).toBeNull();
    expect(read.entries.map((e) => [e.name, e.size, e.dir])).toEqual([
      ["photos/", 0, true],
      ["photos/empty.txt", 0, false],
      ["photos/été 📷.bin", big.byteLength, false],
      ["photos/sub/", 0, true],
      ["photos/sub/hello.txt", small.byteLength, false],
      ["photos/sub/nothing/", 0, true],
    ]);
    expect(read.entries[2]!.sha1).toBe(sha1(big));
    expect(read.entries[4]!.sha1).toBe(sha1(small));
    const d = dosDateTime(Date.UTC(2024, 4, 17, 10, 30));
    expect(read.entries[4]!.mtime.slice(0, 3)).toEqual([2024, 5, (d.date & 0x1f)]);
    const tested = unzipTest(path);
    expect(tested).toContain("No errors detected");
    expect(tested).toContain("photos/sub/hello.txt");
  });

  test("ZIP64 records (forced for small files) are read the same way", async () => {
    const path = await writeZip(tree, { forceZip64: true });
    const read = pythonRead(path);
    expect(read.bad).toBeNull();
    expect(read.entries.map((e) => e.size)).toEqual([0, 0, big.byteLength, 0, small.byteLength, 0]);
    expect(read.entries[2]!.sha1).toBe(sha1(big));
    expect(unzipTest(path)).toContain("No errors detected");
  });

  test("more than 65535 entries take the ZIP64 end record", async () => {
    const count = 70_000;
    const entries = Array.from({ length: count }, (_, i) => file(`many/${i}.txt`, i % 10_000 === 0 ? small : new Uint8Array(0)));
    const path = await writeZip(entries);
    const read = pythonRead(path);
    expect(read.bad).toBeNull();
    expect(read.count).toBe(count);
    expect(read.entries[0]!.sha1).toBe(sha1(small));
    expect(unzipTest(path)).toContain("No errors detected");
  }, 60_000);

  test("a file of 4 GiB or more gets ZIP64 records without being forced (its local header says so before its bytes)", async () => {
    const huge: ZipEntry = { kind: "file", name: "huge.bin", mtime: 0, size: 0xffffffff, open: async () => streamOf(new Uint8Array(0)) };
    const small4: ZipEntry = { kind: "file", name: "small.bin", mtime: 0, size: 0xfffffffe, open: async () => streamOf(new Uint8Array(0)) };
    for (const [entry, zip64] of [[huge, true], [small4, false]] as const) {
      const parts = zipParts([entry]);
      const header = (await parts.next()).value as Uint8Array;
      await parts.return(undefined);
      const v = new DataView(header.buffer, header.byteOffset, header.byteLength);
      expect(v.getUint32(0, true)).toBe(0x04034b50);
      expect(v.getUint16(4, true)).toBe(zip64 ? 45 : 20); // version needed
      expect(v.getUint32(22, true)).toBe(zip64 ? 0xffffffff : 0); // size: in the ZIP64 field
      const extra = header.subarray(30 + v.getUint16(26, true));
      const ids = [];
      for (let at = 0; at < extra.byteLength; at += 4 + (extra[at + 2]! | (extra[at + 3]! << 8))) ids.push(extra[at]! | (extra[at + 1]! << 8));
      expect(ids).toEqual(zip64 ? [0x5455, 0x0001] : [0x5455]);
    }
  });

  test("zipLength is the archive's length before it is written (Content-Length): folders, empty files, unicode, ZIP64", async () => {
    const many = Array.from({ length: 65_540 }, (_, i) => (i % 2 ? file(`m/${i}`, new Uint8Array(0)) : ({ kind: "dir", name: `m/d${i}`, mtime: 0 }) as ZipEntry));
    for (const [entries, opts] of [[tree, {}], [tree, { forceZip64: true }], [[], {}], [many, {}]] as const) {
      let written = 0;
      for await (const part of zipParts(entries, opts)) written += part.byteLength;
      expect(zipLength(entries, opts)).toBe(written);
    }
  }, 60_000);

  test("zipLength counts ZIP64 fields for a file of 4 GiB, and offsets past 4 GiB, without reading a byte", () => {
    const huge = (name: string, size: number): ZipEntry => ({ kind: "file", name, mtime: 0, size, open: async () => streamOf(new Uint8Array(0)) });
    // 4 GiB - 2: classic fields; 4 GiB - 1 (0xFFFFFFFF): ZIP64 in the local header (20), descriptor (24 not 16), central (+20).
    // (Both archives end past 4 GiB, so both have the ZIP64 end record.)
    const classic = zipLength([huge("a", 0xfffffffe)]);
    expect(classic).toBe(30 + 1 + 9 + 0xfffffffe + 16 + 46 + 1 + 9 + (56 + 20) + 22);
    expect(zipLength([huge("a", 0xffffffff)]) - classic).toBe(1 + 20 + 8 + 20);
    // The second entry's local header lies past 4 GiB: its central record carries its offset in a ZIP64 field (+12).
    const two = zipLength([huge("a", 0xfffffffe), huge("b", 1)]);
    expect(two - classic).toBe(30 + 1 + 9 + 1 + 16 + 46 + 1 + 9 + 12);
  });

  test("an empty archive is a valid one", async () => {
    const read = pythonRead(await writeZip([]));
    expect(read).toEqual({ bad: null, count: 0, entries: [] });
  });

  test("a file that yields other than its announced size fails the stream instead of writing a wrong archive", async () => {
    const liar: ZipEntry = { kind: "file", name: "short.bin", mtime: 0, size: 10, open: async () => streamOf(bytes(5)) };
    expect(new Response(zipStream([liar])).arrayBuffer()).rejects.toThrow("yielded 5 of its 10 bytes");
    const long: ZipEntry = { kind: "file", name: "long.bin", mtime: 0, size: 10, open: async () => streamOf(bytes(50), 20) };
    expect(new Response(zipStream([long])).arrayBuffer()).rejects.toThrow("more than its 10 bytes");
  });

  test("a file is opened only when its turn comes, and read piece by piece (never whole)", async () => {
    const opened: string[] = [];
    const lazy = (name: string): ZipEntry => ({
      kind: "file",
      name,
      mtime: 0,
      size: 4000,
      open: async () => {
        opened.push(name);
        return streamOf(bytes(4000));
      },
    });
    const reader = zipStream([lazy("a"), lazy("b")]).getReader();
    const first = await reader.read();
    expect(first.value!.byteLength).toBeLessThan(100); // a's local header alone
    expect(opened).toEqual([]);
    const second = await reader.read();
    expect(second.value!.byteLength).toBe(1000);
    expect(opened).toEqual(["a"]);
    await reader.cancel();
  });
});
