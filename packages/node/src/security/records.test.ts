import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { libcryptoGcm, nodeGcm, type GcmEngine } from "./gcm.ts";
import { MAX_RECORD, RecordError, RecordOpener, RecordSealer, SEAL_RECORD } from "./records.ts";

const key = randomBytes(32);
const lib = libcryptoGcm();
const engines: GcmEngine[] = lib instanceof Error ? [nodeGcm] : [lib, nodeGcm];
const sealAll = (sealer: RecordSealer, messages: Uint8Array[]) => Buffer.concat(messages.flatMap((m) => sealer.seal(m)));

for (const sealWith of engines) {
  for (const openWith of engines) {
    describe(`the record layer, sealed by ${sealWith.name}, opened by ${openWith.name}`, () => {
      test("whatever way the stream is cut, the plaintext comes out whole and in order", () => {
        const messages = [randomBytes(10), randomBytes(SEAL_RECORD), randomBytes(MAX_RECORD * 2 + 17), randomBytes(1)];
        const wire = sealAll(new RecordSealer(key, sealWith), messages);
        for (const cut of [1, 3, 4, 5, 19, 20, 21, 4096, 65_536, 65_559, 65_560, 100_000, wire.length]) {
          const opener = new RecordOpener(key, openWith);
          const copy = Buffer.from(wire); // the opener decrypts in place: each run gets its own bytes
          const out: Buffer[] = [];
          for (let o = 0; o < copy.length; o += cut) out.push(...opener.open(copy.subarray(o, o + cut)));
          expect(Buffer.concat(out).equals(Buffer.concat(messages))).toBe(true);
        }
      });

      test("no plaintext of a record is handed out before its tag arrived", () => {
        const wire = sealAll(new RecordSealer(key, sealWith), [randomBytes(1000)]);
        const opener = new RecordOpener(key, openWith);
        expect(opener.open(wire.subarray(0, wire.length - 1))).toEqual([]);
        expect(opener.open(wire.subarray(wire.length - 1))[0]!.length).toBe(1000);
      });

      test("a record whole in one read opens where it lies; the bytes around it are untouched", () => {
        const plain = randomBytes(5000);
        const record = sealAll(new RecordSealer(key, sealWith), [plain]);
        const read = Buffer.concat([record, Buffer.from([0, 0])]); // the next record's first length bytes
        const out = new RecordOpener(key, openWith).open(read);
        expect(out.length).toBe(1);
        expect(out[0]!.equals(plain)).toBe(true);
        expect(out[0]!.buffer).toBe(read.buffer); // a view of the read, no copy
      });

      test("the records whole in one read come out as one buffer, in order with one cut across reads", () => {
        const plain = randomBytes(SEAL_RECORD * 5 + 100);
        const wire = sealAll(new RecordSealer(key, sealWith), [plain]);
        const opener = new RecordOpener(key, openWith);
        const cut = 4 + SEAL_RECORD + 16 + 1000; // the second record straddles the two reads
        const reads = [Buffer.from(wire.subarray(0, cut)), Buffer.from(wire.subarray(cut))];
        const first = opener.open(reads[0]!);
        const second = opener.open(reads[1]!);
        expect(first.map((b) => b.length)).toEqual([SEAL_RECORD]);
        // The cut record's two pieces, each where it arrived, then the rest as one run.
        expect(second.map((b) => b.length)).toEqual([996, SEAL_RECORD - 996, SEAL_RECORD * 3 + 100]);
        expect(second.map((b) => b.buffer)).toEqual([reads[0]!.buffer, reads[1]!.buffer, reads[1]!.buffer]);
        expect(Buffer.concat([...first, ...second]).equals(plain)).toBe(true);
      });

      test("a record cut anywhere, its tag too, opens from the pieces without a copy; a bad tag still refuses it", () => {
        const plain = randomBytes(3000);
        const wire = sealAll(new RecordSealer(key, sealWith), [plain]);
        for (const cuts of [[4], [2, 1500], [1004, 3004], [4 + 3000 + 8], [4 + 3000], [10, 20, 30, 3010]]) {
          const reads: Buffer[] = [];
          let at = 0;
          for (const c of [...cuts, wire.length]) {
            reads.push(Buffer.from(wire.subarray(at, c)));
            at = c;
          }
          const opener = new RecordOpener(key, openWith);
          const out = reads.flatMap((r, i) => {
            const got = opener.open(r);
            if (i < reads.length - 1) expect(got).toEqual([]); // nothing before the last tag byte
            return got;
          });
          expect(Buffer.concat(out).equals(plain)).toBe(true);
          for (const piece of out) expect(reads.some((r) => r.buffer === piece.buffer)).toBe(true);
          const tampered = reads.map((r) => Buffer.from(r));
          tampered[tampered.length - 1]![tampered[tampered.length - 1]!.length - 1]! ^= 1; // the tag's last byte
          const strict = new RecordOpener(key, openWith);
          expect(() => tampered.forEach((r) => strict.open(r))).toThrow(RecordError);
        }
      });

      test("a flipped bit, a dropped or replayed record, another key, or an oversized length is refused", () => {
        const sealer = new RecordSealer(key, sealWith);
        const a = Buffer.concat(sealer.seal(randomBytes(100)));
        const b = Buffer.concat(sealer.seal(randomBytes(100)));
        const flipped = Buffer.from(a);
        flipped[50]! ^= 1;
        const opener = () => new RecordOpener(key, openWith);
        expect(() => opener().open(flipped)).toThrow(RecordError);
        expect(() => opener().open(Buffer.from(b))).toThrow(RecordError); // a dropped: b's nonce is not the first
        expect(() => opener().open(Buffer.concat([a, a]))).toThrow(RecordError); // replay
        const split = opener(); // a replay cut across reads, through the gathering path
        const twice = Buffer.concat([a, a]);
        expect(() => {
          for (let o = 0; o < twice.length; o += 7) split.open(twice.subarray(o, o + 7));
        }).toThrow(RecordError);
        expect(() => new RecordOpener(randomBytes(32), openWith).open(Buffer.from(a))).toThrow(RecordError);
        const huge = Buffer.alloc(4);
        huge.writeUInt32BE(MAX_RECORD + 1, 0);
        expect(() => opener().open(huge)).toThrow(/record of/);
        expect(() => opener().open(Buffer.alloc(4))).toThrow(/record of 0 bytes/);
      });
    });
  }
}

test("records of up to MAX_RECORD from an older sealer still open", () => {
  // Earlier versions sealed 256 KiB records; a node must keep opening them during a rolling upgrade.
  const engine = engines[0]!;
  const plain = randomBytes(MAX_RECORD);
  const record = Buffer.allocUnsafe(4 + MAX_RECORD + 16);
  record.writeUInt32BE(MAX_RECORD, 0);
  record.set(plain, 4);
  const nonce = Buffer.alloc(12);
  engine.sealer(key).seal(nonce, record.subarray(0, 4), record.subarray(4, 4 + MAX_RECORD), record.subarray(4 + MAX_RECORD));
  expect(Buffer.concat(new RecordOpener(key, engine).open(record)).equals(plain)).toBe(true);
});
