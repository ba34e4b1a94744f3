import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { MAX_RECORD, RecordError, RecordOpener, RecordSealer } from "./records.ts";

const key = randomBytes(32);
const sealAll = (sealer: RecordSealer, messages: Uint8Array[]) => Buffer.concat(messages.flatMap((m) => sealer.seal(m)));

describe("the record layer", () => {
  test("whatever way the stream is cut, the plaintext comes out whole and in order", () => {
    const messages = [randomBytes(10), randomBytes(MAX_RECORD), randomBytes(MAX_RECORD * 2 + 17), randomBytes(1)];
    const wire = sealAll(new RecordSealer(key), messages);
    for (const cut of [1, 3, 4, 5, 19, 20, 21, 4096, 65_536, wire.length]) {
      const opener = new RecordOpener(key);
      const out: Buffer[] = [];
      for (let o = 0; o < wire.length; o += cut) out.push(...opener.open(wire.subarray(o, o + cut)));
      expect(Buffer.concat(out).equals(Buffer.concat(messages))).toBe(true);
    }
  });

  test("no plaintext of a record is handed out before its tag arrived", () => {
    const wire = sealAll(new RecordSealer(key), [randomBytes(1000)]);
    const opener = new RecordOpener(key);
    expect(opener.open(wire.subarray(0, wire.length - 1))).toEqual([]);
    expect(opener.open(wire.subarray(wire.length - 1))[0]!.length).toBe(1000);
  });

  test("a flipped bit, a dropped or replayed record, another key, or an oversized length is refused", () => {
    const sealer = new RecordSealer(key);
    const a = Buffer.concat(sealer.seal(randomBytes(100)));
    const b = Buffer.concat(sealer.seal(randomBytes(100)));
    const flipped = Buffer.from(a);
    flipped[50]! ^= 1;
    expect(() => new RecordOpener(key).open(flipped)).toThrow(RecordError);
    expect(() => new RecordOpener(key).open(b)).toThrow(RecordError); // a dropped: b's nonce is not the first
    expect(() => new RecordOpener(key).open(Buffer.concat([a, a]))).toThrow(RecordError); // replay
    expect(() => new RecordOpener(randomBytes(32)).open(a)).toThrow(RecordError);
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(MAX_RECORD + 1, 0);
    expect(() => new RecordOpener(key).open(huge)).toThrow(/record of/);
    expect(() => new RecordOpener(key).open(Buffer.alloc(4))).toThrow(/record of 0 bytes/);
  });
});
