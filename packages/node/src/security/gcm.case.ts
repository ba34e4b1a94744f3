// One conformance suite for the AES-256-GCM engines (libcrypto in place, node:crypto): the same bytes as a
// reference AES-GCM, in place, tampering refused, bad arguments refused before any native call.
import { describe, expect, test } from "bun:test";
import { createCipheriv, randomBytes } from "node:crypto";
import type { GcmEngine } from "./gcm.ts";

function reference(key: Buffer, nonce: Buffer, aad: Buffer, plain: Buffer): { cipher: Buffer; tag: Buffer } {
  const c = createCipheriv("aes-256-gcm", key, nonce);
  c.setAAD(aad);
  const cipher = Buffer.concat([c.update(plain), c.final()]);
  return { cipher, tag: c.getAuthTag() };
}

export function runGcmConformance(make: () => GcmEngine): void {
  describe(`AES-256-GCM engine ${make().name}`, () => {
    const key = randomBytes(32);

    test("seals in place to the reference ciphertext and tag, and opens it back", () => {
      const engine = make();
      const sealer = engine.sealer(key);
      const opener = engine.opener(key);
      for (const size of [1, 15, 16, 17, 4096, 65_536, 256 * 1024 + 3]) {
        const nonce = randomBytes(12);
        const aad = randomBytes(4);
        const plain = randomBytes(size);
        const data = Buffer.from(plain);
        const tag = Buffer.alloc(16);
        sealer.seal(nonce, aad, data, tag);
        const ref = reference(key, nonce, aad, plain);
        expect(data.equals(ref.cipher)).toBe(true);
        expect(tag.equals(ref.tag)).toBe(true);
        expect(opener.open(nonce, aad, data, tag)).toBe(true);
        expect(data.equals(plain)).toBe(true);
      }
      sealer.dispose();
      opener.dispose();
    });

    test("opens a message given in pieces as the one-shot open does, and refuses a wrong tag", () => {
      const engine = make();
      const sealer = engine.sealer(key);
      const opener = engine.opener(key);
      for (const cuts of [[1], [15, 16, 17], [4096, 4097], [100, 200, 70_000]]) {
        const nonce = randomBytes(12);
        const aad = randomBytes(4);
        const plain = randomBytes(70_001);
        const data = Buffer.from(plain);
        const tag = Buffer.alloc(16);
        sealer.seal(nonce, aad, data, tag);
        const pieces = [0, ...cuts, data.length].slice(1).map((end, i, ends) => data.subarray(i === 0 ? 0 : ends[i - 1], end));
        opener.begin(nonce, aad);
        for (const piece of pieces) opener.update(piece);
        expect(opener.finish(tag)).toBe(true);
        expect(data.equals(plain)).toBe(true);
        sealer.seal(nonce, aad, data, tag);
        opener.begin(nonce, aad);
        for (const piece of pieces) opener.update(piece);
        tag[0]! ^= 1;
        expect(opener.finish(tag)).toBe(false);
      }
      expect(() => opener.begin(Buffer.alloc(11), Buffer.alloc(4))).toThrow(RangeError);
      sealer.dispose();
      opener.dispose();
    });

    test("seals from a separate source to the same bytes as in place, leaving the source as it was", () => {
      const engine = make();
      const sealer = engine.sealer(key);
      const nonce = randomBytes(12);
      const aad = randomBytes(4);
      const plain = randomBytes(70_001);
      const source = Buffer.from(plain);
      const data = Buffer.alloc(plain.length);
      const tag = Buffer.alloc(16);
      sealer.seal(nonce, aad, data, tag, source);
      const ref = reference(key, nonce, aad, plain);
      expect(data.equals(ref.cipher)).toBe(true);
      expect(tag.equals(ref.tag)).toBe(true);
      expect(source.equals(plain)).toBe(true);
      expect(() => sealer.seal(nonce, aad, data, tag, source.subarray(1))).toThrow(RangeError);
      const shared = Buffer.alloc(200);
      expect(() => sealer.seal(nonce, aad, shared.subarray(0, 100), tag, shared.subarray(50, 150))).toThrow(/overlaps/);
      sealer.dispose();
    });

    test("works on views inside a larger buffer without touching the bytes around them", () => {
      const engine = make();
      const buf = Buffer.alloc(100, 0xaa);
      const nonce = randomBytes(12);
      engine.sealer(key).seal(nonce, buf.subarray(0, 4), buf.subarray(4, 84), buf.subarray(84, 100));
      expect(buf.subarray(0, 4).every((b) => b === 0xaa)).toBe(true);
      expect(buf.subarray(4, 84).every((b) => b === 0xaa)).toBe(false);
      const spare = Buffer.concat([buf, Buffer.alloc(8, 0x55)]);
      expect(engine.opener(key).open(nonce, spare.subarray(0, 4), spare.subarray(4, 84), spare.subarray(84, 100))).toBe(true);
      expect(spare.subarray(4, 84).every((b) => b === 0xaa)).toBe(true);
      expect(spare.subarray(100).every((b) => b === 0x55)).toBe(true);
    });

    test("a changed ciphertext, tag, additional data, nonce or key does not open", () => {
      const engine = make();
      const nonce = randomBytes(12);
      const aad = Buffer.from([0, 0, 1, 0]);
      const sealed = Buffer.from(randomBytes(256));
      const tag = Buffer.alloc(16);
      engine.sealer(key).seal(nonce, aad, sealed, tag);
      const tries: Array<[Buffer, Buffer, Buffer, Buffer, Buffer]> = [];
      const flip = (b: Buffer, i: number) => {
        const c = Buffer.from(b);
        c[i]! ^= 1;
        return c;
      };
      tries.push([key, nonce, aad, flip(sealed, 100), tag]);
      tries.push([key, nonce, aad, Buffer.from(sealed), flip(tag, 3)]);
      tries.push([key, nonce, flip(aad, 3), Buffer.from(sealed), tag]);
      tries.push([key, flip(nonce, 11), aad, Buffer.from(sealed), tag]);
      tries.push([randomBytes(32), nonce, aad, Buffer.from(sealed), tag]);
      for (const [k, n, a, d, t] of tries) expect(engine.opener(k).open(n, a, d, t)).toBe(false);
      // The untouched record still opens with a context that has refused others before.
      const opener = engine.opener(key);
      expect(opener.open(nonce, aad, flip(sealed, 0), tag)).toBe(false);
      expect(opener.open(nonce, aad, Buffer.from(sealed), tag)).toBe(true);
    });

    test("wrong sizes and use after dispose are refused, never passed on", () => {
      const engine = make();
      const sealer = engine.sealer(key);
      const d = Buffer.alloc(10);
      expect(() => sealer.seal(Buffer.alloc(11), Buffer.alloc(0), d, Buffer.alloc(16))).toThrow(RangeError);
      expect(() => sealer.seal(Buffer.alloc(12), Buffer.alloc(0), d, Buffer.alloc(15))).toThrow(RangeError);
      expect(() => sealer.seal(Buffer.alloc(12), Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(16))).toThrow(RangeError);
      expect(() => engine.sealer(Buffer.alloc(16))).toThrow(RangeError);
      expect(() => engine.opener(Buffer.alloc(31))).toThrow(RangeError);
      sealer.dispose();
      sealer.dispose();
      if (engine.name === "libcrypto") expect(() => sealer.seal(Buffer.alloc(12), Buffer.alloc(0), d, Buffer.alloc(16))).toThrow(/after dispose/);
    });
  });
}
