// The aws-chunked decoder against AWS's published streaming examples (signed chunks; signed chunks
// with a signed CRC32C trailer), fed in every slicing, and against tampered bodies.
import { describe, expect, test } from "bun:test";
import { authenticate, type SignedRequest } from "./auth.ts";
import { AwsChunkedParser, decodeAwsChunked } from "./aws-chunked.ts";
import { crc32c } from "./checksums.ts";
import { parseQuery } from "./sigv4.ts";

const AKID = "AKIAIOSFODNN7EXAMPLE";
const credentials = new Map([[AKID, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]]);
const AT = Date.UTC(2013, 4, 24);
const A1 = "a".repeat(65536);
const A2 = "a".repeat(1024);

const examples = {
  signed: {
    mode: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    signedHeaders: "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
    seed: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    chunkSigs: [
      "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
      "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
      "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ],
    trailer: undefined,
  },
  trailer: {
    mode: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    signedHeaders: "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
    seed: "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
    chunkSigs: [
      "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
      "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
      "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
    ],
    trailer: { line: "x-amz-checksum-crc32c:sOO8/Q==", sig: "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435" },
  },
};
type Example = (typeof examples)[keyof typeof examples];

function seedRequest(e: Example): SignedRequest {
  const h = new Headers({
    host: "s3.amazonaws.com",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "x-amz-content-sha256": e.mode,
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    "content-length": "66824",
    authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request, SignedHeaders=${e.signedHeaders}, Signature=${e.seed}`,
  });
  if (e.trailer) h.set("x-amz-trailer", "x-amz-checksum-crc32c");
  return { method: "PUT", rawPath: "/examplebucket/chunkObject.txt", query: parseQuery(""), header: (n) => h.get(n) };
}

function body(e: Example, sigs = e.chunkSigs): string {
  let b = `10000;chunk-signature=${sigs[0]}\r\n${A1}\r\n400;chunk-signature=${sigs[1]}\r\n${A2}\r\n0;chunk-signature=${sigs[2]}\r\n`;
  if (e.trailer) b += `${e.trailer.line}\r\nx-amz-trailer-signature:${e.trailer.sig}\r\n`;
  return `${b}\r\n`;
}

function signerOf(e: Example) {
  const auth = authenticate(seedRequest(e), credentials, AT);
  if (auth.payload.kind !== "chunked") throw new Error("expected a chunked payload");
  return auth.payload;
}

/** Feeds `text` in pieces of `slice` bytes; returns the decoded text or the error's code. */
function decode(
  e: Example,
  text: string,
  slice: number,
  decodedLength: number | null = 66560,
): { data?: string; code?: string; trailers?: Map<string, string> } {
  const { signer, trailer } = signerOf(e);
  const p = new AwsChunkedParser({ signer, trailer, decodedLength: decodedLength ?? undefined });
  const bytes = Buffer.from(text, "latin1");
  let data = "";
  try {
    for (let i = 0; i < bytes.length; i += slice) {
      for (const piece of p.push(bytes.subarray(i, i + slice))) data += Buffer.from(piece).toString("latin1");
    }
    p.end();
    return { data, trailers: p.trailers };
  } catch (err) {
    return { code: (err as { code: string }).code };
  }
}

describe("aws-chunked, AWS's published examples", () => {
  for (const [name, e] of Object.entries(examples)) {
    test(`${name}: the seed signature verifies and the body decodes in any slicing`, () => {
      expect(signerOf(e).trailer).toBe(e.trailer !== undefined);
      for (const slice of [1, 7, 100, 65536, 70000, 1 << 20]) {
        const r = decode(e, body(e), slice);
        expect(r.code).toBeUndefined();
        expect(r.data).toBe(A1 + A2);
      }
    });
  }

  test("the trailer carries the CRC32C of the data", () => {
    const r = decode(examples.trailer, body(examples.trailer), 4096);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32c(Buffer.from(A1 + A2)));
    expect(r.trailers?.get("x-amz-checksum-crc32c")).toBe(crc.toString("base64"));
  });

  test("tampering breaks the chain", () => {
    const e = examples.signed;
    const good = body(e);
    const s = e.chunkSigs;
    const chunk = (data: string, sig: string) => `${data.length.toString(16)};chunk-signature=${sig}\r\n${data}\r\n`;
    const final = `0;chunk-signature=${s[2]}\r\n\r\n`;
    const cases = {
      "a data byte": good.replace("a\r\n400;", "b\r\n400;"),
      "a chunk signature": good.replace(s[1]!, "0".repeat(64)),
      "a missing chunk signature": good.replace(`400;chunk-signature=${s[1]}`, "400"),
      "the final signature": good.replace(s[2]!, s[1]!),
      "reordered chunks": chunk(A2, s[1]!) + chunk(A1, s[0]!) + final,
      "an appended chunk": chunk(A1, s[0]!) + chunk(A2, s[1]!) + chunk("a", s[2]!) + final,
    };
    // Without a declared length, so that only the signatures can catch these.
    for (const [what, text] of Object.entries(cases)) {
      expect({ what, code: decode(e, text, 1000, null).code }).toEqual({ what, code: "SignatureDoesNotMatch" });
    }
    const t = examples.trailer;
    expect(decode(t, body(t).replace("sOO8/Q==", "AAAAAA=="), 1000).code).toBe("SignatureDoesNotMatch");
    expect(decode(t, body(t).replace(`x-amz-trailer-signature:${t.trailer.sig}\r\n`, ""), 1000).code).toBe("SignatureDoesNotMatch");
  });

  test("a body cut short, or longer than declared, is IncompleteBody", () => {
    const e = examples.signed;
    expect(decode(e, body(e).slice(0, 50_000), 1000).code).toBe("IncompleteBody");
    expect(decode(e, body(e).replace("\r\n400;", "aa\r\n400;"), 1000).code).toBe("IncompleteBody");
  });
});

describe("aws-chunked, unsigned with a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER)", () => {
  test("decodes as a stream; the trailers are there at the end", async () => {
    const text = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
    const source = new Response(text).body!;
    const { stream, trailers } = decodeAwsChunked(source, { trailer: true, decodedLength: 11 });
    expect(await new Response(stream).text()).toBe("hello world");
    expect(trailers.get("x-amz-checksum-crc32")).toBe("DUoRhQ==");
  });

  test("an error in the framing errors the stream rather than ending it", async () => {
    const source = new Response("5\r\nhello\r\nzz\r\n").body!;
    const { stream } = decodeAwsChunked(source, { trailer: true });
    expect(new Response(stream).text()).rejects.toMatchObject({ code: "IncompleteBody" });
  });
});
