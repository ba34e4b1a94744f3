// A bare SigV4 client for what no SDK here sends: signed aws-chunked bodies, wrong hashes, trailers.
// It signs with src/s3/sigv4.ts, which its unit tests check against AWS's published vectors.
import {
  canonicalRequest,
  chunkStringToSign,
  EMPTY_SHA256,
  formatAmzDate,
  parseQuery,
  sha256Hex,
  signatureOf,
  signingKey,
  stringToSign,
} from "../../src/s3/sigv4.ts";

export interface RawCredentials {
  accessKey: string;
  secretKey: string;
}

interface Signed {
  headers: Record<string, string>;
  key: Buffer;
  scope: string;
  amzDate: string;
  signature: string;
}

function sign(method: string, url: URL, headers: Record<string, string>, payloadHash: string, c: RawCredentials): Signed {
  const amzDate = formatAmzDate(Date.now());
  const date = amzDate.slice(0, 8);
  const all: Record<string, string> = { ...headers, host: url.host, "x-amz-date": amzDate, "x-amz-content-sha256": payloadHash };
  const signedHeaders = Object.keys(all).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(all).map(([k, v]) => [k.toLowerCase(), v]));
  const canonical = canonicalRequest({
    method,
    rawPath: url.pathname,
    query: parseQuery(url.search),
    header: (n) => lower[n] ?? null,
    signedHeaders,
    payloadHash,
  });
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const key = signingKey(c.secretKey, date, "us-east-1", "s3");
  const signature = signatureOf(key, stringToSign(amzDate, scope, canonical));
  const authorization = `AWS4-HMAC-SHA256 Credential=${c.accessKey}/${scope}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  return { headers: { ...all, authorization }, key, scope, amzDate, signature };
}

/** The headers (host, date, hash, authorization) that sign a bodiless request, for a client that writes its own bytes. */
export function signedHeaders(method: string, url: string, c: RawCredentials, headers: Record<string, string> = {}): Record<string, string> {
  return sign(method, new URL(url), headers, EMPTY_SHA256, c).headers;
}

/** A header-signed request with a whole body (its SHA-256 signed, or `payloadHash` to lie). */
export function signedFetch(
  method: string,
  url: string,
  c: RawCredentials,
  body: Uint8Array<ArrayBuffer> = new Uint8Array(),
  opts: { headers?: Record<string, string>; payloadHash?: string } = {},
): Promise<Response> {
  const u = new URL(url);
  const hash = opts.payloadHash ?? (body.length ? sha256Hex(body) : EMPTY_SHA256);
  const s = sign(method, u, opts.headers ?? {}, hash, c);
  return fetch(u, { method, headers: s.headers, body: method === "GET" || method === "HEAD" ? undefined : body });
}

/**
 * PUT with an aws-chunked body signed chunk by chunk, generated as it is sent: `chunk(i)` gives the
 * i-th of `count` chunks. Nothing but the chunk being framed is held in memory.
 */
export function streamedChunkedPut(url: string, c: RawCredentials, count: number, size: number, chunk: (i: number) => Uint8Array): Promise<Response> {
  const u = new URL(url);
  const s = sign("PUT", u, { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(count * size) }, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", c);
  let previous = s.signature;
  let i = 0;
  const frame = (data: Uint8Array) => {
    const sig = signatureOf(s.key, chunkStringToSign(s.amzDate, s.scope, previous, sha256Hex(data)));
    previous = sig;
    return Buffer.concat([Buffer.from(`${data.length.toString(16)};chunk-signature=${sig}\r\n`), data, Buffer.from("\r\n")]);
  };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < count) controller.enqueue(frame(chunk(i++)));
      else {
        controller.enqueue(frame(new Uint8Array()));
        controller.close();
      }
    },
  });
  return fetch(u, { method: "PUT", headers: s.headers, body });
}

/**
 * PUT with an aws-chunked body signed chunk by chunk; `tamper(i, data)` may alter a chunk's bytes
 * after it was signed.
 */
export function chunkedPut(
  url: string,
  c: RawCredentials,
  chunks: Uint8Array[],
  tamper: (i: number, data: Uint8Array) => Uint8Array = (_, d) => d,
): Promise<Response> {
  const u = new URL(url);
  const total = chunks.reduce((s, x) => s + x.length, 0);
  const framed: Uint8Array[] = [];
  const s = sign("PUT", u, { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(total) }, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", c);
  let previous = s.signature;
  for (const [i, data] of [...chunks, new Uint8Array()].entries()) {
    const sig = signatureOf(s.key, chunkStringToSign(s.amzDate, s.scope, previous, sha256Hex(data)));
    previous = sig;
    framed.push(new TextEncoder().encode(`${data.length.toString(16)};chunk-signature=${sig}\r\n`), tamper(i, data), new TextEncoder().encode("\r\n"));
  }
  const body = Buffer.concat(framed);
  return fetch(u, { method: "PUT", headers: { ...s.headers, "content-length": String(body.length) }, body });
}

/** PUT with an unsigned aws-chunked body and a trailing x-amz-checksum-crc32 (what SDKs send for streams). */
export function unsignedTrailerPut(url: string, c: RawCredentials, data: Uint8Array, crc32Base64: string): Promise<Response> {
  const u = new URL(url);
  const s = sign(
    "PUT",
    u,
    { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": String(data.length), "x-amz-trailer": "x-amz-checksum-crc32" },
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    c,
  );
  const enc = (t: string) => new TextEncoder().encode(t);
  const body = Buffer.concat([enc(`${data.length.toString(16)}\r\n`), data, enc(`\r\n0\r\nx-amz-checksum-crc32:${crc32Base64}\r\n\r\n`)]);
  return fetch(u, { method: "PUT", headers: s.headers, body });
}
