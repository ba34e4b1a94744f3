// An S3 request's body as plain bytes: aws-chunked decoded and checksums verified as it streams, the
// checks to run before a commit, and small XML bodies read (bounded) and parsed.
import { DOMParser, type Element } from "@xmldom/xmldom";
import type { UploadedContent } from "../filesystem/file-system.ts";
import type { Authenticated } from "./auth.ts";
import { decodeAwsChunked } from "./aws-chunked.ts";
import { checksumAlgorithmOf, type ChecksumAlgorithm, newChecksum, verifyChecksum } from "./checksums.ts";
import { s3Error } from "./errors.ts";

export interface Payload {
  stream: ReadableStream<Uint8Array> | null;
  /** The decoded length when the client announced it. */
  length: number | undefined;
  /** Throws when the stored content is not what the client signed or announced; run before committing. */
  check(content: UploadedContent): void;
  /** The verified x-amz-checksum-* header to echo back, once the body has been read. */
  checksum(): [string, string] | undefined;
}

function announcedLength(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw s3Error("InvalidArgument", `Bad length '${value}'.`);
  return n;
}

function md5HexOf(contentMd5: string | null): string | undefined {
  if (contentMd5 === null) return undefined;
  const bytes = Buffer.from(contentMd5, "base64");
  if (bytes.length !== 16 || bytes.toString("base64") !== contentMd5.trim()) {
    throw s3Error("InvalidDigest", "The Content-MD5 you specified is not a base64-encoded 128-bit MD5.");
  }
  return bytes.toString("hex");
}

export function payloadOf(req: Request, auth: Authenticated): Payload {
  const h = (name: string) => req.headers.get(name);
  const chunked = auth.payload.kind === "chunked" ? auth.payload : undefined;
  const length = chunked ? announcedLength(h("x-amz-decoded-content-length")) : announcedLength(h("content-length"));
  let stream: ReadableStream<Uint8Array> | null = req.body;
  let trailers: ReadonlyMap<string, string> = new Map();
  if (chunked && stream) {
    const decoded = decodeAwsChunked(stream, { signer: chunked.signer, trailer: chunked.trailer, decodedLength: length });
    stream = decoded.stream;
    trailers = decoded.trailers;
  }

  // One additional checksum, in a header or announced as a trailer.
  let algorithm: ChecksumAlgorithm | undefined;
  let expected: () => string | undefined = () => undefined;
  const trailerName = h("x-amz-trailer")?.trim().toLowerCase();
  if (trailerName && checksumAlgorithmOf(trailerName)) {
    if (!chunked?.trailer) throw s3Error("InvalidRequest", "x-amz-trailer needs an aws-chunked body with trailers.");
    algorithm = checksumAlgorithmOf(trailerName);
    expected = () => trailers.get(trailerName);
  } else {
    for (const [name, value] of req.headers) {
      const a = checksumAlgorithmOf(name);
      if (a) {
        algorithm = a;
        expected = () => value;
      }
    }
  }
  // Without a body nothing streams past the check: the empty content's checksum is compared in check().
  const checksummedEmpty = algorithm !== undefined && !stream;
  if (algorithm && stream) stream = verifyChecksum(stream, algorithm, expected);

  const md5 = md5HexOf(h("content-md5"));
  const sha256 = auth.payload.kind === "sha256" ? auth.payload.hex : undefined;
  return {
    stream,
    length,
    check(content) {
      if (sha256 !== undefined && content.sha256 !== sha256) throw s3Error("XAmzContentSHA256Mismatch");
      if (md5 !== undefined && content.md5 !== md5) throw s3Error("BadDigest", "The Content-MD5 you specified did not match what we received.");
      if (length !== undefined && content.size !== length) {
        throw s3Error("IncompleteBody", `Received ${content.size} bytes, the request announced ${length}.`);
      }
      const empty = checksummedEmpty ? newChecksum(algorithm!) : undefined;
      if (empty && expected() !== empty.digest()) throw s3Error("BadDigest", `The ${algorithm!.toUpperCase()} you specified did not match the calculated checksum.`);
    },
    checksum() {
      const value = algorithm ? expected() : undefined;
      return algorithm && value !== undefined ? [`x-amz-checksum-${algorithm}`, value] : undefined;
    },
  };
}

/** Reads a whole (small) body, refusing more than `limit` bytes, and runs the payload's checks on it. */
export async function readSmallBody(payload: Payload, limit: number): Promise<Uint8Array> {
  if (payload.length !== undefined && payload.length > limit) {
    throw s3Error("InvalidRequest", `The request body is larger than the ${limit} bytes this request may have.`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  if (payload.stream) {
    const reader = payload.stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel();
        throw s3Error("InvalidRequest", `The request body is larger than the ${limit} bytes this request may have.`);
      }
      parts.push(value);
    }
  }
  const body = Buffer.concat(parts);
  payload.check({
    size: body.byteLength,
    sha256: new Bun.CryptoHasher("sha256").update(body).digest("hex"),
    md5: new Bun.CryptoHasher("md5").update(body).digest("hex"),
  });
  return body;
}

/** A parsed request element: local name, text content, child elements. */
export interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
}

function toElement(e: Element): XmlElement {
  const children: XmlElement[] = [];
  for (let n = e.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) children.push(toElement(n as Element));
  }
  return { name: e.localName ?? e.nodeName, text: e.textContent ?? "", children };
}

/** Parses a request body; malformed XML or a DTD is S3's MalformedXML. */
export function parseXml(body: Uint8Array): XmlElement {
  let doc;
  try {
    doc = new DOMParser({
      onError: (level: string, message: string) => {
        if (level !== "warning") throw new Error(message);
      },
    }).parseFromString(new TextDecoder("utf-8", { fatal: true }).decode(body), "application/xml");
  } catch (err) {
    throw s3Error("MalformedXML", `The XML you provided was not well-formed: ${(err as Error).message}`);
  }
  if (doc.doctype) throw s3Error("MalformedXML", "The XML you provided was not well-formed: a DTD is not allowed.");
  const root = doc.documentElement;
  if (!root) throw s3Error("MalformedXML", "The XML you provided was not well-formed: it has no root element.");
  return toElement(root);
}

/** Child elements called `name`. */
export const childrenNamed = (e: XmlElement, name: string): XmlElement[] => e.children.filter((c) => c.name === name);

/** The text of the first child called `name`, if there is one. */
export const childText = (e: XmlElement, name: string): string | undefined => e.children.find((c) => c.name === name)?.text;
