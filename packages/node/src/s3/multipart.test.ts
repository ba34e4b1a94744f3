// The pure parts of multipart uploads: Complete's part-list checks, the multipart ETag, a retried
// Complete recognised, copy ranges, reads by part number, and how S3 names map onto paths.
import { describe, expect, test } from "bun:test";
import type { Manifest } from "../metadata/manifest.ts";
import { checkParts, completedBefore, MIN_PART_SIZE, multipartEtag, requestedParts, respondWhileWorking } from "./completion.ts";
import { copyRange, partName } from "./multipart.ts";
import { partRange } from "./objects.ts";
import { errorCode } from "./test-fixtures.ts";
import { parseXml } from "./request-body.ts";
import { bucketNameProblem, objectPath } from "./names.ts";

const part = (size: number, md5: string): Manifest => ({
  path: `.s3-uploads/u/${partName(1)}`,
  kind: "file",
  version: "v",
  deleted: false,
  size,
  sha256: "0".repeat(64),
  md5,
  chunkSize: 1,
  chunks: [],
  mtime: 0,
  origin: "n",
  seq: 1,
});

describe("CompleteMultipartUpload's checks", () => {
  const md5 = (n: number) => n.toString(16).padStart(32, "0");
  const stored = new Map([1, 2, 3].map((n) => [n, part(n === 3 ? 10 : MIN_PART_SIZE, md5(n))]));
  const lookup = (n: number) => stored.get(n);

  test("parts in order with matching ETags (quoted or not) pass", () => {
    const parts = checkParts([{ partNumber: 1, etag: `"${md5(1)}"` }, { partNumber: 2, etag: md5(2) }, { partNumber: 3, etag: `"${md5(3)}"` }], lookup);
    expect(parts.map((p) => p.md5)).toEqual([md5(1), md5(2), md5(3)]);
    // Leaving a part out is allowed: only the listed ones make the object.
    expect(checkParts([{ partNumber: 1, etag: md5(1) }, { partNumber: 3, etag: md5(3) }], lookup)).toHaveLength(2);
  });

  test("errors: nothing listed, out of order, unknown part, wrong ETag, small middle part", () => {
    expect(errorCode(() => checkParts([], lookup))).toBe("MalformedXML");
    expect(errorCode(() => checkParts([{ partNumber: 2, etag: md5(2) }, { partNumber: 1, etag: md5(1) }], lookup))).toBe("InvalidPartOrder");
    expect(errorCode(() => checkParts([{ partNumber: 1, etag: md5(1) }, { partNumber: 1, etag: md5(1) }], lookup))).toBe("InvalidPartOrder");
    expect(errorCode(() => checkParts([{ partNumber: 4, etag: md5(4) }], lookup))).toBe("InvalidPart");
    expect(errorCode(() => checkParts([{ partNumber: 1, etag: md5(9) }], lookup))).toBe("InvalidPart");
    expect(errorCode(() => checkParts([{ partNumber: 10001, etag: md5(1) }], lookup))).toBe("InvalidPart");
    expect(errorCode(() => checkParts([{ partNumber: 3, etag: md5(3) }, { partNumber: 4, etag: md5(4) }], (n) => (n === 4 ? part(1, md5(4)) : lookup(n))))).toBe(
      "EntityTooSmall",
    );
  });

  test("the multipart ETag is the MD5 of the binary part MD5s, then the part count", () => {
    const a = new Bun.CryptoHasher("md5").update("part one").digest("hex");
    const b = new Bun.CryptoHasher("md5").update("part two").digest("hex");
    const expected = new Bun.CryptoHasher("md5").update(Buffer.concat([Buffer.from(a, "hex"), Buffer.from(b, "hex")])).digest("hex");
    expect(multipartEtag([a, b])).toBe(`${expected}-2`);
  });

  test("copy ranges stay within the source", () => {
    expect(copyRange(null, 100)).toEqual([0, 99]);
    expect(copyRange("bytes=10-19", 100)).toEqual([10, 19]);
    // Past the end of the source S3 answers InvalidRange (416), not InvalidArgument: a well-formed range
    // that cannot be satisfied, as for a GET.
    expect(errorCode(() => copyRange("bytes=10-100", 100))).toBe("InvalidRange");
    expect(errorCode(() => copyRange("bytes=100-100", 100))).toBe("InvalidRange");
    expect(errorCode(() => copyRange("bytes=0-0", 0))).toBe("InvalidRange");
    expect(errorCode(() => copyRange("bytes=20-10", 100))).toBe("InvalidArgument");
    expect(errorCode(() => copyRange("bytes=-10", 100))).toBe("InvalidArgument");
    expect(errorCode(() => copyRange("bytes=10-", 100))).toBe("InvalidArgument");
  });
});

describe("a Complete sent again", () => {
  const md5 = (n: number) => n.toString(16).padStart(32, "0");
  const requested = [1, 2].map((n) => ({ partNumber: n, etag: `"${md5(n)}"` }));
  const etag = multipartEtag([md5(1), md5(2)]);
  const object: Manifest = { ...part(10, etag), path: "b/k", multipart: { uploadId: "u-1", partSizes: [6, 4] } };

  test("the object its upload made, with the same parts, answers that ETag again", () => {
    expect(completedBefore(object, "u-1", requested)).toBe(etag);
    // Quoted or not, as clients send ETags.
    expect(completedBefore(object, "u-1", requested.map((p) => ({ ...p, etag: p.etag.replace(/"/g, "") })))).toBe(etag);
  });

  test("another upload, other parts, a copy, a replaced or missing object: none", () => {
    expect(completedBefore(object, "u-2", requested)).toBeUndefined();
    expect(completedBefore(object, "u-1", requested.slice(0, 1))).toBeUndefined();
    expect(completedBefore(object, "u-1", [...requested].reverse())).toBeUndefined();
    expect(completedBefore(object, "u-1", [{ partNumber: 1, etag: "junk" }])).toBeUndefined();
    expect(completedBefore(object, "u-1", [])).toBeUndefined();
    expect(completedBefore({ ...object, multipart: { partSizes: [6, 4] } }, "u-1", requested)).toBeUndefined();
    expect(completedBefore({ ...part(10, md5(7)), path: "b/k" }, "u-1", requested)).toBeUndefined();
    expect(completedBefore(undefined, "u-1", requested)).toBeUndefined();
  });

  test("the request's part list is read as sent, and bounded", () => {
    const doc = (xml: string) => parseXml(new TextEncoder().encode(xml));
    expect(requestedParts(doc("<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>\"e\"</ETag></Part></CompleteMultipartUpload>"))).toEqual([
      { partNumber: 2, etag: '"e"' },
    ]);
    expect(errorCode(() => requestedParts(doc("<Other/>")))).toBe("MalformedXML");
    const many = `<CompleteMultipartUpload>${"<Part><PartNumber>1</PartNumber><ETag>e</ETag></Part>".repeat(10_001)}</CompleteMultipartUpload>`;
    expect(errorCode(() => requestedParts(doc(many)))).toBe("MalformedXML");
  });
});

describe("reads by part number", () => {
  const multipart = { ...part(10, `${"a".repeat(32)}-3`), multipart: { partSizes: [4, 5, 1] } };

  test("a multipart object's part is its bytes, by the recorded part sizes", () => {
    expect(partRange(multipart, 1)).toEqual({ start: 0, end: 3, count: 3 });
    expect(partRange(multipart, 2)).toEqual({ start: 4, end: 8, count: 3 });
    expect(partRange(multipart, 3)).toEqual({ start: 9, end: 9, count: 3 });
    expect(errorCode(() => partRange(multipart, 4))).toBe("InvalidPartNumber");
  });

  test("any other object is one part, without a count; an empty object's part is empty", () => {
    expect(partRange(part(10, "a".repeat(32)), 1)).toEqual({ start: 0, end: 9, count: undefined });
    expect(errorCode(() => partRange(part(10, "a".repeat(32)), 2))).toBe("InvalidPartNumber");
    expect(partRange({ ...part(0, "a".repeat(32)), md5: undefined }, 1)).toEqual({ start: 0, end: -1, count: undefined });
  });

  test("a multipart object completed before part sizes were kept: its count from the ETag, its parts not served", () => {
    const legacy = part(10, `${"a".repeat(32)}-3`);
    expect(errorCode(() => partRange(legacy, 4))).toBe("InvalidPartNumber");
    expect(errorCode(() => partRange(legacy, 2))).toBe("NotImplemented");
    expect(partRange(part(10, `${"a".repeat(32)}-1`), 1)).toEqual({ start: 0, end: 9, count: 1 });
  });
});

describe("a long completion", () => {
  test("answers at once, sends spaces while it works, then the result: one well-formed document", async () => {
    const res = respondWhileWorking(async () => {
      await Bun.sleep(60);
      return '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult><ETag>"x-2"</ETag></CompleteMultipartUploadResult>';
    }, () => "unused", 10);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^<\?xml[^>]*\?>\n {2,}<CompleteMultipartUploadResult>/);
    expect(parseXml(new TextEncoder().encode(text)).name).toBe("CompleteMultipartUploadResult");
  });

  test("a failure after the 200 is an <Error> document in the body, as S3 sends it", async () => {
    const res = respondWhileWorking(async () => {
      throw new Error("chunk unavailable");
    }, (err) => `<?xml version="1.0"?>\n<Error><Code>InternalError</Code><Message>${(err as Error).message}</Message></Error>`);
    const doc = parseXml(new TextEncoder().encode(await res.text()));
    expect(doc.name).toBe("Error");
  });
});

describe("names", () => {
  test("new bucket names follow S3's rules", () => {
    for (const ok of ["abc", "my-bucket.2024", "a".repeat(63)]) expect(bucketNameProblem(ok)).toBeUndefined();
    for (const bad of ["ab", "a".repeat(64), "Upper", "under_score", "-start", "end-", "a..b", "192.168.1.1"]) {
      expect(bucketNameProblem(bad)).toBeDefined();
    }
  });

  test("keys map to paths; a trailing '/' names a directory; what the tree cannot hold is InvalidArgument", () => {
    expect(objectPath("b", "a/b.txt")).toEqual({ path: "b/a/b.txt", directory: false });
    expect(objectPath("b", "folder/")).toEqual({ path: "b/folder", directory: true });
    for (const bad of ["a//b", "../x", "a/./b", "tab\there", ""]) expect(errorCode(() => objectPath("b", bad))).toBe("InvalidArgument");
    expect(errorCode(() => objectPath(".s3-uploads", "x"))).toBe("InvalidBucketName");
  });
});
