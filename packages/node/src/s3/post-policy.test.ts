// POST policies: the document's forms, every condition kind held against a form, expiry, extra fields, and
// the signature over the policy's base64 text.
import { describe, expect, test } from "bun:test";
import type { OrreryError } from "../errors.ts";
import { checkPolicy, parsePolicy, verifyPolicySignature } from "./post-policy.ts";
import { signatureOf, signingKey } from "./sigv4.ts";

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64");
const NOW = Date.parse("2026-12-06T12:00:00Z");
const failure = (f: () => unknown): { code: string; message: string } => {
  try {
    f();
  } catch (err) {
    return { code: (err as OrreryError).code, message: (err as OrreryError).message };
  }
  return { code: "none", message: "" };
};

const policy = parsePolicy(
  b64({
    expiration: "2026-12-06T13:00:00.000Z",
    conditions: [
      { bucket: "pics" },
      ["starts-with", "$key", "user/"],
      ["eq", "$Content-Type", "image/png"],
      ["starts-with", "$x-amz-meta-tag", ""],
      ["content-length-range", 10, "1000"],
      { "x-amz-algorithm": "AWS4-HMAC-SHA256" },
    ],
  }),
);
const form = (extra: Record<string, string> = {}) =>
  new Map(Object.entries({ key: "user/a.png", "content-type": "image/png", "x-amz-algorithm": "AWS4-HMAC-SHA256", policy: "p", "x-amz-signature": "s", ...extra }));

describe("the policy document", () => {
  test("object, eq, starts-with and content-length-range conditions; field names without case or '$'", () => {
    expect(policy.conditions).toEqual([
      { kind: "eq", field: "bucket", value: "pics" },
      { kind: "starts-with", field: "key", value: "user/" },
      { kind: "eq", field: "content-type", value: "image/png" },
      { kind: "starts-with", field: "x-amz-meta-tag", value: "" },
      { kind: "content-length-range", min: 10, max: 1000 },
      { kind: "eq", field: "x-amz-algorithm", value: "AWS4-HMAC-SHA256" },
    ]);
    expect(policy.expiration).toBe(Date.parse("2026-12-06T13:00:00Z"));
  });

  test("not base64 JSON, no expiration, an unknown condition: InvalidPolicyDocument", () => {
    expect(failure(() => parsePolicy("!!!")).code).toBe("InvalidPolicyDocument");
    expect(failure(() => parsePolicy(b64({ conditions: [] }))).code).toBe("InvalidPolicyDocument");
    expect(failure(() => parsePolicy(b64({ expiration: "2026-12-06T13:00:00Z", conditions: [["matches", "$key", "x"]] }))).code).toBe("InvalidPolicyDocument");
    expect(failure(() => parsePolicy(b64({ expiration: "2026-12-06T13:00:00Z", conditions: [["content-length-range", -1, 5]] }))).code).toBe("InvalidPolicyDocument");
  });
});

describe("holding a form to the policy", () => {
  test("a form that meets every condition gets the size range", () => {
    expect(checkPolicy(policy, form(), "pics", NOW)).toEqual({ min: 10, max: 1000 });
    expect(checkPolicy(policy, form({ "x-amz-meta-tag": "anything", "x-ignore-me": "1" }), "pics", NOW)).toEqual({ min: 10, max: 1000 });
  });

  test("each failed condition is AccessDenied naming it; a field the policy does not name too; an expired policy", () => {
    expect(failure(() => checkPolicy(policy, form(), "other", NOW))).toEqual({ code: "AccessDenied", message: 'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "pics"]' });
    expect(failure(() => checkPolicy(policy, form({ key: "admin/a.png" }), "pics", NOW)).message).toContain('["starts-with", "$key", "user/"]');
    expect(failure(() => checkPolicy(policy, form({ "content-type": "text/html" }), "pics", NOW)).message).toContain('["eq", "$content-type", "image/png"]');
    const missing = form();
    missing.delete("content-type");
    expect(failure(() => checkPolicy(policy, missing, "pics", NOW)).code).toBe("AccessDenied");
    expect(failure(() => checkPolicy(policy, form({ acl: "public-read" }), "pics", NOW))).toEqual({ code: "AccessDenied", message: "Invalid according to Policy: Extra input fields: acl" });
    expect(failure(() => checkPolicy(policy, form(), "pics", Date.parse("2026-12-06T13:00:01Z")))).toEqual({ code: "AccessDenied", message: "Invalid according to Policy: Policy expired." });
  });
});

describe("the signature", () => {
  const secret = "s3cr3t";
  const credentials = new Map([["AK", secret]]);
  const encoded = b64({ expiration: "2026-12-06T13:00:00Z", conditions: [] });
  const signed = (fields: Record<string, string> = {}) =>
    new Map(
      Object.entries({
        policy: encoded,
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": "AK/20261206/us-east-1/s3/aws4_request",
        "x-amz-date": "20261206T120000Z",
        "x-amz-signature": signatureOf(signingKey(secret, "20261206", "us-east-1", "s3"), encoded),
        ...fields,
      }),
    );

  test("the policy's base64 text signed with the scope's key is the key holder's", () => {
    expect(verifyPolicySignature(signed(), credentials)).toBe("AK");
  });

  test("a changed policy or signature, an unknown key, a malformed credential or date are refused", () => {
    expect(failure(() => verifyPolicySignature(signed({ policy: b64({ expiration: "2030-01-01T00:00:00Z", conditions: [] }) }), credentials)).code).toBe("SignatureDoesNotMatch");
    expect(failure(() => verifyPolicySignature(signed({ "x-amz-signature": "0".repeat(64) }), credentials)).code).toBe("SignatureDoesNotMatch");
    expect(failure(() => verifyPolicySignature(signed({ "x-amz-credential": "NOPE/20261206/us-east-1/s3/aws4_request" }), credentials)).code).toBe("InvalidAccessKeyId");
    expect(failure(() => verifyPolicySignature(signed({ "x-amz-credential": "AK/20261206/us-east-1/ec2/aws4_request" }), credentials)).code).toBe("InvalidArgument");
    expect(failure(() => verifyPolicySignature(signed({ "x-amz-date": "20261207T120000Z" }), credentials)).code).toBe("InvalidArgument");
    expect(failure(() => verifyPolicySignature(signed({ "x-amz-algorithm": "AWS4-HMAC-SHA1" }), credentials)).code).toBe("InvalidArgument");
    const unsigned = signed();
    unsigned.delete("x-amz-signature");
    expect(failure(() => verifyPolicySignature(unsigned, credentials)).code).toBe("AccessDenied");
  });
});
