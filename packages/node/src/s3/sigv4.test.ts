// Signature V4 against AWS's published examples: the S3 developer guide's header-signed requests and
// presigned URL, and get-vanilla from the aws-sig-v4 test suite.
import { describe, expect, test } from "bun:test";
import { authenticate, type SignedRequest } from "./auth.ts";
import {
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  EMPTY_SHA256,
  parseQuery,
  signatureOf,
  signingKey,
  stringToSign,
  uriEncode,
} from "./sigv4.ts";
import { errorCode } from "./test-fixtures.ts";

const AKID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const credentials = new Map([[AKID, SECRET]]);
const AT = Date.UTC(2013, 4, 24, 0, 0, 0);

function request(method: string, url: string, headers: Record<string, string>): SignedRequest {
  const u = new URL(url);
  const h = new Headers(headers);
  h.set("host", u.host);
  return { method, rawPath: u.pathname, query: parseQuery(u.search), header: (n) => h.get(n) };
}

const authHeader = (signed: string, signature: string) =>
  `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${signature}`;

describe("SigV4, S3 developer guide examples", () => {
  test("GET object with a Range header", () => {
    const sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
    const r = request("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {
      range: "bytes=0-9",
      "x-amz-content-sha256": EMPTY_SHA256,
      "x-amz-date": "20130524T000000Z",
      authorization: authHeader("host;range;x-amz-content-sha256;x-amz-date", sig),
    });
    expect(authenticate(r, credentials, AT)).toEqual({ accessKey: AKID, payload: { kind: "sha256", hex: EMPTY_SHA256 } });
  });

  test("PUT object (a '$' in the key, a Date header signed too)", () => {
    const sig = "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd";
    const hash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    const r = request("PUT", "https://examplebucket.s3.amazonaws.com/test$file.text", {
      date: "Fri, 24 May 2013 00:00:00 GMT",
      "x-amz-date": "20130524T000000Z",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
      "x-amz-content-sha256": hash,
      authorization: authHeader("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class", sig),
    });
    expect(authenticate(r, credentials, AT).payload).toEqual({ kind: "sha256", hex: hash });
    expect(hash).toBe(new Bun.CryptoHasher("sha256").update("Welcome to Amazon S3.").digest("hex"));
  });

  test("GET bucket lifecycle (a value-less subresource) and ListObjects (sorted query)", () => {
    const headers = { "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": "20130524T000000Z" };
    const lifecycle = request("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle", {
      ...headers,
      authorization: authHeader("host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
    });
    expect(authenticate(lifecycle, credentials, AT).accessKey).toBe(AKID);
    const list = request("GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", {
      ...headers,
      authorization: authHeader("host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
    });
    expect(authenticate(list, credentials, AT).accessKey).toBe(AKID);
  });

  test("presigned GET URL", () => {
    const url =
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
      "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z" +
      "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
      "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    expect(authenticate(request("GET", url, {}), credentials, AT + 3600_000)).toEqual({ accessKey: AKID, payload: { kind: "unsigned" } });
    // A day and a second later it has expired; a changed parameter breaks the signature.
    expect(() => authenticate(request("GET", url, {}), credentials, AT + 86401_000)).toThrow("Request has expired");
    expect(() => authenticate(request("GET", url.replace("86400", "86399"), {}), credentials, AT)).toThrow(
      expect.objectContaining({ code: "SignatureDoesNotMatch" }),
    );
  });

  test("a wrong secret, an unknown key, no signature, a stale date", () => {
    const sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
    const headers = {
      range: "bytes=0-9",
      "x-amz-content-sha256": EMPTY_SHA256,
      "x-amz-date": "20130524T000000Z",
      authorization: authHeader("host;range;x-amz-content-sha256;x-amz-date", sig),
    };
    const r = request("GET", "https://examplebucket.s3.amazonaws.com/test.txt", headers);
    expect(errorCode(() => authenticate(r, new Map([[AKID, `${SECRET}x`]]), AT))).toBe("SignatureDoesNotMatch");
    expect(errorCode(() => authenticate(r, new Map([["OTHER", SECRET]]), AT))).toBe("InvalidAccessKeyId");
    expect(errorCode(() => authenticate(r, credentials, AT + 16 * 60_000))).toBe("RequestTimeTooSkewed");
    const { authorization: _, ...unsigned } = headers;
    expect(errorCode(() => authenticate(request("GET", "https://examplebucket.s3.amazonaws.com/test.txt", unsigned), credentials, AT))).toBe("AccessDenied");
    const tampered = request("GET", "https://examplebucket.s3.amazonaws.com/test.txt", { ...headers, range: "bytes=0-10" });
    expect(errorCode(() => authenticate(tampered, credentials, AT))).toBe("SignatureDoesNotMatch");
  });
});

describe("what clients send besides the examples", () => {
  test("a presigned URL with its signature altered in any way is SignatureDoesNotMatch; without one it is malformed", () => {
    const url =
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
      "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z" +
      "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=";
    const sig = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    const at = AT + 3600_000;
    expect(errorCode(() => authenticate(request("GET", url + sig, {}), credentials, at))).toBe("ok");
    for (const altered of [`${sig.slice(0, -1)}5`, `${sig.slice(0, -1)}z`, sig.slice(0, -1), `${sig}00`, sig.toUpperCase(), "x"]) {
      expect({ altered, code: errorCode(() => authenticate(request("GET", url + altered, {}), credentials, at)) }).toEqual({ altered, code: "SignatureDoesNotMatch" });
    }
    expect(errorCode(() => authenticate(request("GET", url, {}), credentials, at))).toBe("AuthorizationQueryParametersError");
  });

  test("a non-ASCII header value is accepted whether it came as UTF-8 bytes or as Latin-1, signed as UTF-8 text", () => {
    const amzDate = "20130524T000000Z";
    const signed = ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-meta-note"];
    // What the SDKs sign: the value as text, hashed as UTF-8.
    const canonical = canonicalRequest({
      method: "PUT",
      rawPath: "/note.txt",
      query: [],
      header: (n) => ({ host: "examplebucket.s3.amazonaws.com", "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amzDate, "x-amz-meta-note": "café ü" })[n] ?? null,
      signedHeaders: signed,
      payloadHash: EMPTY_SHA256,
    });
    const sig = signatureOf(signingKey(SECRET, "20130524", "us-east-1", "s3"), stringToSign(amzDate, "20130524/us-east-1/s3/aws4_request", canonical));
    const arriving = (value: string) =>
      request("PUT", "https://examplebucket.s3.amazonaws.com/note.txt", {
        "x-amz-content-sha256": EMPTY_SHA256,
        "x-amz-date": amzDate,
        "x-amz-meta-note": value,
        authorization: authHeader(signed.join(";"), sig),
      });
    // node:http reads each byte of a header as one character: UTF-8 bytes arrive as "cafÃ©", Latin-1 as "café".
    const utf8Bytes = Buffer.from("café ü", "utf8").toString("latin1");
    expect(errorCode(() => authenticate(arriving(utf8Bytes), credentials, AT))).toBe("ok");
    expect(errorCode(() => authenticate(arriving("café ü"), credentials, AT))).toBe("ok");
    expect(errorCode(() => authenticate(arriving("cafe ü"), credentials, AT))).toBe("SignatureDoesNotMatch");
    expect(errorCode(() => authenticate(arriving(Buffer.from("café u", "utf8").toString("latin1")), credentials, AT))).toBe("SignatureDoesNotMatch");
  });
});

describe("SigV4 pure pieces", () => {
  test("get-vanilla from the aws-sig-v4 test suite", () => {
    const canonical = canonicalRequest({
      method: "GET",
      rawPath: "/",
      query: [],
      header: (n) => ({ host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" })[n] ?? null,
      signedHeaders: ["host", "x-amz-date"],
      payloadHash: EMPTY_SHA256,
    });
    expect(canonical).toBe(`GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`);
    const key = signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service");
    const sts = stringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical);
    expect(signatureOf(key, sts)).toBe("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  });

  test("encoding: unreserved characters only, '+' stays literal in queries, UTF-8 bytes", () => {
    expect(uriEncode("a b+c/é~")).toBe("a%20b%2Bc%2F%C3%A9~");
    expect(canonicalUri("/bucket/a%20b/c+d/%C3%A9")).toBe("/bucket/a%20b/c%2Bd/%C3%A9");
    expect(canonicalQuery(parseQuery("?prefix=a+b&list-type=2&acl"))).toBe("acl=&list-type=2&prefix=a%2Bb");
    expect(canonicalQuery(parseQuery("b=2&a=2&a=1"))).toBe("a=1&a=2&b=2");
  });
});
