// What the small-file workloads write: file i of a run is named f000123 and holds bytes that follow from
// (run nonce, i) alone, so any client, and the S3 source directory, can write or check it without sharing state.
// The bytes look random (no two files alike, nothing compresses), from a seeded xorshift: cheap, not secret.

export const smallName = (i: number) => `f${String(i).padStart(6, "0")}`;

/** FNV-1a of a string: the seed of one file's bytes. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) {
    h ^= text.charCodeAt(k);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h || 1;
}

export function smallContent(nonce: string, i: number, size: number): Buffer<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seedOf(`${nonce}:${i}`);
  for (let k = 0; k < words.length; k++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[k] = x;
  }
  return Buffer.from(words.buffer, 0, size);
}
