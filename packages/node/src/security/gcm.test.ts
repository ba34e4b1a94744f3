import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { libcryptoGcm, nodeGcm, type GcmEngine } from "./gcm.ts";
import { runGcmConformance } from "./gcm.case.ts";

runGcmConformance(() => nodeGcm);

const lib = libcryptoGcm();
// CI machines have OpenSSL's libcrypto (Debian's libssl3); a machine without it runs node:crypto only.
test("libcrypto loads here (Debian's libssl3)", () => {
  expect(lib instanceof Error ? lib.message : lib.name).toBe("libcrypto");
});
if (!(lib instanceof Error)) {
  runGcmConformance(() => lib);

  test("records sealed by one engine open with the other", () => {
    const key = randomBytes(32);
    const pairs: Array<[GcmEngine, GcmEngine]> = [
      [lib, nodeGcm],
      [nodeGcm, lib],
    ];
    for (const [a, b] of pairs) {
      const nonce = randomBytes(12);
      const plain = randomBytes(70_000);
      const data = Buffer.from(plain);
      const tag = Buffer.alloc(16);
      a.sealer(key).seal(nonce, Buffer.alloc(4), data, tag);
      expect(b.opener(key).open(nonce, Buffer.alloc(4), data, tag)).toBe(true);
      expect(data.equals(plain)).toBe(true);
    }
  });
}

test("a library that is not there is an Error, not a crash", () => {
  const missing = libcryptoGcm(["libcrypto-does-not-exist.so.9"]);
  expect(missing).toBeInstanceOf(Error);
});
