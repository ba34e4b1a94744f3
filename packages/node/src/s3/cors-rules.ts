// A bucket's CORS configuration as S3 has it, pure: the <CORSConfiguration> document parsed and checked
// against S3's limits, written back out, and which rule (the first that fits) answers a request.
import { z } from "zod";
import { s3Error } from "./errors.ts";
import { childrenNamed, childText, type XmlElement } from "./request-body.ts";
import type { XmlNode } from "./xml.ts";

/** S3's limits: 100 rules, a 64 KB document. */
export const MAX_CORS_RULES = 100;
export const MAX_CORS_BYTES = 64 * 1024;
/** Bounds of our own, so a stored rule stays small: S3 gives none besides the document's size. */
const MAX_VALUE = 1024;
const MAX_ID = 255;
export const CORS_METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"] as const;

const value = z.string().min(1).max(MAX_VALUE).regex(/^[\u0021-\u007e]+$/, "printable ASCII without spaces");
export const corsRuleSchema = z.strictObject({
  id: z.string().max(MAX_ID).optional(),
  origins: z.array(value).min(1),
  methods: z.array(z.enum(CORS_METHODS)).min(1),
  headers: z.array(value),
  expose: z.array(value),
  maxAgeSeconds: z.number().int().min(0).max(2 ** 31 - 1).optional(),
});
export type CorsRule = z.output<typeof corsRuleSchema>;
export const corsRulesSchema = z.array(corsRuleSchema).min(1).max(MAX_CORS_RULES);

const wildcards = (s: string) => s.split("*").length - 1;

function texts(rule: XmlElement, name: string): string[] {
  return childrenNamed(rule, name).map((e) => e.text.trim());
}

/** One <CORSRule>, as S3 judges it: InvalidRequest for a method or wildcard S3 refuses, MalformedXML for the rest. */
function ruleOf(e: XmlElement): CorsRule {
  for (const child of e.children) {
    if (!["ID", "AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader", "MaxAgeSeconds"].includes(child.name)) {
      throw s3Error("MalformedXML", `Unknown element <${child.name}> in a <CORSRule>.`);
    }
  }
  const methods = texts(e, "AllowedMethod");
  for (const m of methods) {
    if (!(CORS_METHODS as readonly string[]).includes(m)) throw s3Error("InvalidRequest", `Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
  }
  const origins = texts(e, "AllowedOrigin");
  for (const o of origins) if (wildcards(o) > 1) throw s3Error("InvalidRequest", `AllowedOrigin "${o}" can not have more than one wildcard.`);
  const headers = texts(e, "AllowedHeader");
  for (const h of headers) if (wildcards(h) > 1) throw s3Error("InvalidRequest", `AllowedHeader "${h}" can not have more than one wildcard.`);
  const maxAge = childText(e, "MaxAgeSeconds")?.trim();
  const rule = {
    id: childText(e, "ID")?.trim(),
    origins,
    methods,
    headers,
    expose: texts(e, "ExposeHeader"),
    maxAgeSeconds: maxAge === undefined ? undefined : /^\d{1,10}$/.test(maxAge) ? Number(maxAge) : Number.NaN,
  };
  if (rule.id === undefined) delete rule.id;
  if (rule.maxAgeSeconds === undefined) delete rule.maxAgeSeconds;
  const parsed = corsRuleSchema.safeParse(rule);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw s3Error("MalformedXML", `A <CORSRule> is not valid: ${issue.path.join(".") || "rule"}: ${issue.message}.`);
  }
  return parsed.data;
}

/** The rules of a PutBucketCors body (already parsed; its size checked by the caller). */
export function parseCorsConfiguration(doc: XmlElement): CorsRule[] {
  if (doc.name !== "CORSConfiguration") throw s3Error("MalformedXML", "The body must be a <CORSConfiguration> document.");
  const rules = childrenNamed(doc, "CORSRule");
  if (rules.length === 0) throw s3Error("MalformedXML", "A <CORSConfiguration> holds at least one <CORSRule>.");
  if (rules.length > MAX_CORS_RULES) throw s3Error("MalformedXML", `A <CORSConfiguration> holds at most ${MAX_CORS_RULES} rules, not ${rules.length}.`);
  return rules.map(ruleOf);
}

/** The GetBucketCors answer's rules. */
export function corsRulesXml(rules: readonly CorsRule[]): XmlNode[] {
  return rules.map((r): XmlNode => [
    "CORSRule",
    [
      ["ID", r.id],
      ...r.headers.map((h): XmlNode => ["AllowedHeader", h]),
      ...r.methods.map((m): XmlNode => ["AllowedMethod", m]),
      ...r.origins.map((o): XmlNode => ["AllowedOrigin", o]),
      ...r.expose.map((h): XmlNode => ["ExposeHeader", h]),
      ["MaxAgeSeconds", r.maxAgeSeconds],
    ],
  ]);
}

/** `pattern` with at most one `*` (any run of characters) against `s`; header names compare without case. */
export function wildcardMatch(pattern: string, s: string, ignoreCase = false): boolean {
  const [p, t] = ignoreCase ? [pattern.toLowerCase(), s.toLowerCase()] : [pattern, s];
  const star = p.indexOf("*");
  if (star < 0) return p === t;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return t.length >= head.length + tail.length && t.startsWith(head) && t.endsWith(tail);
}

export interface CorsQuery {
  origin: string;
  /** The method of the request, or of Access-Control-Request-Method for a preflight. */
  method: string;
  /** Access-Control-Request-Headers of a preflight (lower case); none for an actual request. */
  headers: readonly string[];
}

/** The first rule that allows the origin, the method and every requested header (S3's order), if any. */
export function matchingRule(rules: readonly CorsRule[], q: CorsQuery): CorsRule | undefined {
  return rules.find(
    (r) =>
      r.origins.some((o) => wildcardMatch(o, q.origin)) &&
      (r.methods as readonly string[]).includes(q.method) &&
      q.headers.every((h) => r.headers.some((allowed) => wildcardMatch(allowed, h, true))),
  );
}

/** Access-Control-Request-Headers as a list of lower-case names. */
export const requestedHeaders = (value: string | null): string[] =>
  (value ?? "").split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);

/**
 * The CORS headers of a response the rule allows: `*` for a rule open to any origin (no credentials then,
 * as the Fetch standard requires), else the origin itself with credentials allowed.
 */
export function corsHeaders(rule: CorsRule, origin: string, preflight?: { headers: readonly string[] }): Record<string, string> {
  const anyOrigin = rule.origins.includes("*");
  const out: Record<string, string> = {
    "access-control-allow-origin": anyOrigin ? "*" : origin,
    "access-control-allow-methods": rule.methods.join(", "),
  };
  if (!anyOrigin) out["access-control-allow-credentials"] = "true";
  if (rule.expose.length > 0) out["access-control-expose-headers"] = rule.expose.join(", ");
  if (rule.maxAgeSeconds !== undefined) out["access-control-max-age"] = String(rule.maxAgeSeconds);
  if (preflight && preflight.headers.length > 0) out["access-control-allow-headers"] = preflight.headers.join(", ");
  return out;
}
