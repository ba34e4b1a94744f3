// S3's additional checksums (x-amz-checksum-crc32, -crc32c, -sha1, -sha256), computed while a body
// streams by; CRC64NVME is accepted but not verified (nothing here computes it).
import { crc32 } from "node:zlib";
import { s3Error } from "./errors.ts";

export const CHECKSUM_ALGORITHMS = ["crc32", "crc32c", "sha1", "sha256", "crc64nvme"] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface Checksum {
  update(bytes: Uint8Array): void;
  /** base64 of the big-endian digest, as S3 writes it. */
  digest(): string;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), reflected, as S3 and iSCSI use it. */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  let c = ~previous >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const u32base64 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString("base64");
};

/** A running checksum, or undefined for an algorithm that is accepted without being verified. */
export function newChecksum(algorithm: ChecksumAlgorithm): Checksum | undefined {
  switch (algorithm) {
    case "crc32": {
      let c = 0;
      return { update: (b) => void (c = crc32(b, c)), digest: () => u32base64(c) };
    }
    case "crc32c": {
      let c = 0;
      return { update: (b) => void (c = crc32c(b, c)), digest: () => u32base64(c) };
    }
    case "sha1":
    case "sha256": {
      const h = new Bun.CryptoHasher(algorithm);
      return { update: (b) => void h.update(b), digest: () => h.digest("base64") };
    }
    case "crc64nvme":
      return undefined;
  }
}

/** The one x-amz-checksum-<algorithm> a request announces (header or trailer name), if any. */
export function checksumAlgorithmOf(name: string): ChecksumAlgorithm | undefined {
  const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(name.toLowerCase());
  return m && (CHECKSUM_ALGORITHMS as readonly string[]).includes(m[1]!) ? (m[1] as ChecksumAlgorithm) : undefined;
}

/**
 * Passes a body through while computing `algorithm`, and errors the stream (BadDigest) instead of
 * ending it when the digest differs from `expected()`, which is read only at the end (a trailer
 * arrives after the data). The consumer never sees a clean end for a body that does not match.
 */
export function verifyChecksum(
  body: ReadableStream<Uint8Array>,
  algorithm: ChecksumAlgorithm,
  expected: () => string | undefined,
): ReadableStream<Uint8Array> {
  const sum = newChecksum(algorithm);
  if (!sum) return body;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (!done) {
        sum.update(value);
        controller.enqueue(value);
        return;
      }
      const want = expected();
      if (want === undefined) {
        controller.error(s3Error("InvalidRequest", `The x-amz-checksum-${algorithm} trailer announced in x-amz-trailer was not sent.`));
        return;
      }
      const got = sum.digest();
      if (got !== want) {
        controller.error(s3Error("BadDigest", `The ${algorithm.toUpperCase()} you specified (${want}) did not match the calculated checksum (${got}).`));
        return;
      }
      controller.close();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
