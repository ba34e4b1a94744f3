// Checksums kept with objects: S3's composite form over the parts' digests, when one is made, and how
// GET/HEAD and GetObjectAttributes answer them.
import { describe, expect, test } from "bun:test";
import { crc32 } from "node:zlib";
import type { Manifest } from "../metadata/manifest.ts";
import type { StoredChecksum } from "../metadata/object-meta.ts";
import { checksumAttribute, checksumHeaders, compositeChecksum, withChecksum } from "./stored-checksums.ts";

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const part = (checksum?: StoredChecksum) => ({ meta: checksum ? { checksum } : undefined }) as Manifest;
const crcOf = (s: string): StoredChecksum => ({ algorithm: "crc32", value: u32(crc32(s)).toString("base64"), type: "FULL_OBJECT" });

describe("stored checksums", () => {
  test("a composite is the algorithm over the parts' raw digests, with the part count", () => {
    const parts = [part(crcOf("one")), part(crcOf("two"))];
    const raw = Buffer.concat([u32(crc32("one")), u32(crc32("two"))]);
    expect(compositeChecksum(parts)).toEqual({ algorithm: "crc32", value: u32(crc32(raw)).toString("base64"), type: "COMPOSITE", parts: 2 });
    expect(compositeChecksum(parts, "crc32")?.type).toBe("COMPOSITE");
  });

  test("no composite when a part has none, the algorithms differ, or the upload named another", () => {
    expect(compositeChecksum([part(crcOf("one")), part()])).toBeUndefined();
    const sha: StoredChecksum = { algorithm: "sha256", value: Buffer.alloc(32).toString("base64"), type: "FULL_OBJECT" };
    expect(compositeChecksum([part(crcOf("one")), part(sha)])).toBeUndefined();
    expect(compositeChecksum([part(crcOf("one"))], "crc32c")).toBeUndefined();
  });

  test("answered with checksum mode only; a composite with '-N' on GET/HEAD, its digest alone in the attributes", () => {
    const m = { meta: { checksum: { algorithm: "crc32", value: "AAAAAA==", type: "COMPOSITE", parts: 3 } } } as Manifest;
    expect(checksumHeaders(m, null)).toEqual({});
    expect(checksumHeaders(m, "enabled")).toEqual({ "x-amz-checksum-crc32": "AAAAAA==-3", "x-amz-checksum-type": "COMPOSITE" });
    expect(checksumAttribute(m)).toEqual([["ChecksumCRC32", "AAAAAA=="], ["ChecksumType", "COMPOSITE"]]);
    expect(checksumAttribute({} as Manifest)).toBeUndefined();
  });

  test("withChecksum sets or drops the checksum and keeps the rest", () => {
    expect(withChecksum({ contentType: "a/b" }, crcOf("x"))).toEqual({ contentType: "a/b", checksum: crcOf("x") });
    expect(withChecksum({ checksum: crcOf("x") }, undefined)).toBeUndefined();
  });
});
