// The POST policy of a browser form upload, pure: the base64 JSON document decoded and checked, its
// signature (SigV4: the policy's base64 text signed with the credential scope's key), and every
// condition held against the form's fields as S3 does (eq, starts-with, content-length-range; a field the
// policy does not mention is refused).
import { z } from "zod";
import type { CredentialStore } from "./credentials.ts";
import { s3Error } from "./errors.ts";
import { ALGORITHM, parseAmzDate, parseCredential, sameSignature, signatureOf, signingKey } from "./sigv4.ts";

/** Fields never named by a policy: the signature, the policy itself, the file, and x-ignore-* (S3's rule). */
const EXEMPT = new Set(["x-amz-signature", "policy", "file"]);
const exempt = (name: string) => EXEMPT.has(name) || name.startsWith("x-ignore-");

const name = z.string().regex(/^\$[A-Za-z0-9_.\-:]+$/, "a field reference like $key").transform((s) => s.slice(1).toLowerCase());
const text = z.string().max(64 * 1024);
const lengthBound = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER));
const condition = z.union([
  z.record(z.string(), text).refine((o) => Object.keys(o).length === 1, "an exact-match condition names one field"),
  z.tuple([z.literal("eq"), name, text]),
  z.tuple([z.literal("starts-with"), name, text]),
  z.tuple([z.literal("content-length-range"), lengthBound, lengthBound]),
]);
const policySchema = z.object({
  expiration: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "an ISO 8601 date"),
  conditions: z.array(condition).max(1000),
});

export type Condition =
  | { kind: "eq" | "starts-with"; field: string; value: string }
  | { kind: "content-length-range"; min: number; max: number };
export interface PostPolicy {
  expiration: number;
  conditions: Condition[];
}

/** The policy document of a form's `policy` field (base64 JSON); InvalidPolicyDocument when it is not one. */
export function parsePolicy(base64: string): PostPolicy {
  let parsed;
  try {
    const json = Buffer.from(base64, "base64").toString("utf8");
    parsed = policySchema.safeParse(JSON.parse(json));
  } catch {
    throw s3Error("InvalidPolicyDocument", "Invalid Policy: the policy is not base64-encoded JSON.");
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw s3Error("InvalidPolicyDocument", `Invalid Policy: ${issue.path.join(".") || "policy"}: ${issue.message}.`);
  }
  const conditions = parsed.data.conditions.map((c): Condition => {
    if (!Array.isArray(c)) {
      const [field, value] = Object.entries(c)[0]!;
      return { kind: "eq", field: field.replace(/^\$/, "").toLowerCase(), value };
    }
    if (c[0] === "content-length-range") return { kind: "content-length-range", min: c[1], max: c[2] };
    return { kind: c[0], field: c[1], value: c[2] };
  });
  return { expiration: Date.parse(parsed.data.expiration), conditions };
}

/** Form fields by lower-case name (S3 compares field names without case). */
export type FormFields = ReadonlyMap<string, string>;

/**
 * Who signed the form: x-amz-algorithm, -credential, -date and -signature checked, the signature compared
 * with the policy's under the credential's key. The access key, or S3's error.
 */
export function verifyPolicySignature(fields: FormFields, credentials: CredentialStore): string {
  const get = (n: string) => fields.get(n);
  const policy = get("policy");
  if (policy === undefined) throw s3Error("AccessDenied", "Bucket POST must contain a field named 'policy'.");
  if (get("x-amz-algorithm") !== ALGORITHM) throw s3Error("InvalidArgument", `x-amz-algorithm must be ${ALGORITHM}.`, { fields: [["ArgumentName", "x-amz-algorithm"]] });
  const credential = parseCredential(get("x-amz-credential") ?? "");
  if (!credential || credential.service !== "s3") {
    throw s3Error("InvalidArgument", "x-amz-credential must be <key>/<yyyymmdd>/<region>/s3/aws4_request.", { fields: [["ArgumentName", "x-amz-credential"]] });
  }
  const amzDate = get("x-amz-date") ?? "";
  if (Number.isNaN(parseAmzDate(amzDate)) || amzDate.slice(0, 8) !== credential.date) {
    throw s3Error("InvalidArgument", "x-amz-date must be of the form 20130524T000000Z, on the credential's date.", { fields: [["ArgumentName", "x-amz-date"]] });
  }
  const signature = get("x-amz-signature");
  if (!signature) throw s3Error("AccessDenied", "Bucket POST must contain a field named 'x-amz-signature'.");
  const secret = credentials.get(credential.accessKey);
  if (secret === undefined) throw s3Error("InvalidAccessKeyId");
  const key = signingKey(secret, credential.date, credential.region, credential.service);
  if (!sameSignature(signatureOf(key, policy), signature.toLowerCase())) throw s3Error("SignatureDoesNotMatch");
  return credential.accessKey;
}

const failed = (c: Condition) =>
  s3Error(
    "AccessDenied",
    `Invalid according to Policy: Policy Condition failed: ${c.kind === "content-length-range" ? `["content-length-range", ${c.min}, ${c.max}]` : `["${c.kind}", "$${c.field}", "${c.value}"]`}`,
  );

/**
 * Holds the policy against the form: not expired, every condition met by its field (`bucket` is the
 * bucket posted to), every field (but the exempt ones) named by some condition. The allowed file sizes,
 * checked while the file streams in.
 */
export function checkPolicy(policy: PostPolicy, fields: FormFields, bucket: string, now: number): { min: number; max: number } {
  if (now > policy.expiration) throw s3Error("AccessDenied", "Invalid according to Policy: Policy expired.");
  const value = (field: string) => (field === "bucket" ? bucket : fields.get(field));
  const named = new Set<string>(["bucket"]);
  let size = { min: 0, max: Number.MAX_SAFE_INTEGER };
  for (const c of policy.conditions) {
    if (c.kind === "content-length-range") {
      size = { min: Math.max(size.min, c.min), max: Math.min(size.max, c.max) };
      continue;
    }
    named.add(c.field);
    const v = value(c.field) ?? "";
    if (c.kind === "eq" ? v !== c.value : !v.startsWith(c.value)) throw failed(c);
  }
  for (const field of fields.keys()) {
    if (!exempt(field) && !named.has(field)) throw s3Error("AccessDenied", `Invalid according to Policy: Extra input fields: ${field}`);
  }
  return size;
}
