// CORS rules: the document as S3 judges it, wildcard matching, which rule answers, and the headers it gives.
import { describe, expect, test } from "bun:test";
import { OrreryError } from "../errors.ts";
import { corsHeaders, type CorsRule, matchingRule, parseCorsConfiguration, wildcardMatch } from "./cors-rules.ts";
import { parseXml } from "./request-body.ts";

const doc = (rules: string) => parseXml(new TextEncoder().encode(`<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</CORSConfiguration>`));
const rule = (inner: string) => `<CORSRule>${inner}</CORSRule>`;
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return (err as OrreryError).code;
  }
  return "none";
};

describe("the CORS document", () => {
  test("rules are read in order with every element; the answer writes them back", () => {
    const rules = parseCorsConfiguration(
      doc(
        rule("<ID>a</ID><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds>") +
          rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod>"),
      ),
    );
    expect(rules).toEqual([
      { id: "a", origins: ["https://*.example.com"], methods: ["GET", "PUT"], headers: ["*"], expose: ["ETag"], maxAgeSeconds: 600 },
      { origins: ["*"], methods: ["HEAD"], headers: [], expose: [] },
    ]);
  });

  test("S3's refusals: methods, wildcards, counts, missing parts, unknown elements", () => {
    const ok = "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>";
    expect(codeOf(() => parseCorsConfiguration(doc(rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>"))))).toBe("InvalidRequest");
    expect(codeOf(() => parseCorsConfiguration(doc(rule("<AllowedOrigin>http://*.*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"))))).toBe("InvalidRequest");
    expect(codeOf(() => parseCorsConfiguration(doc(rule(`${ok}<AllowedHeader>x-*-*</AllowedHeader>`))))).toBe("InvalidRequest");
    expect(codeOf(() => parseCorsConfiguration(doc(rule(ok).repeat(101))))).toBe("MalformedXML");
    expect(parseCorsConfiguration(doc(rule(ok).repeat(100)))).toHaveLength(100);
    expect(codeOf(() => parseCorsConfiguration(doc("")))).toBe("MalformedXML");
    expect(codeOf(() => parseCorsConfiguration(doc(rule("<AllowedMethod>GET</AllowedMethod>"))))).toBe("MalformedXML");
    expect(codeOf(() => parseCorsConfiguration(doc(rule("<AllowedOrigin>*</AllowedOrigin>"))))).toBe("MalformedXML");
    expect(codeOf(() => parseCorsConfiguration(doc(rule(`${ok}<Bogus/>`))))).toBe("MalformedXML");
    expect(codeOf(() => parseCorsConfiguration(doc(rule(`${ok}<MaxAgeSeconds>-1</MaxAgeSeconds>`))))).toBe("MalformedXML");
    expect(codeOf(() => parseCorsConfiguration(doc(rule(`<AllowedOrigin>${"a".repeat(1025)}</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`))))).toBe("MalformedXML");
    expect(codeOf(() => parseCorsConfiguration(parseXml(new TextEncoder().encode("<Other/>"))))).toBe("MalformedXML");
  });
});

describe("matching", () => {
  test("one wildcard matches any run of characters; header names ignore case, origins do not", () => {
    expect(wildcardMatch("*", "https://a.b")).toBe(true);
    expect(wildcardMatch("https://*.example.com", "https://app.example.com")).toBe(true);
    expect(wildcardMatch("https://*.example.com", "https://example.com")).toBe(false);
    expect(wildcardMatch("https://*.example.com", "http://app.example.com")).toBe(false);
    expect(wildcardMatch("http://a.com", "http://a.com")).toBe(true);
    expect(wildcardMatch("http://a.com", "http://A.com")).toBe(false);
    expect(wildcardMatch("x-amz-*", "X-Amz-Date", true)).toBe(true);
    expect(wildcardMatch("ab*ba", "aba")).toBe(false); // head and tail may not overlap
  });

  const rules: CorsRule[] = [
    { origins: ["http://app.test"], methods: ["PUT", "POST"], headers: ["content-type", "x-amz-*"], expose: ["ETag"], maxAgeSeconds: 60 },
    { origins: ["*"], methods: ["GET"], headers: [], expose: [] },
  ];

  test("the first rule that allows origin, method and every requested header answers", () => {
    expect(matchingRule(rules, { origin: "http://app.test", method: "PUT", headers: ["content-type", "x-amz-date"] })).toBe(rules[0]);
    expect(matchingRule(rules, { origin: "http://app.test", method: "PUT", headers: ["authorization"] })).toBeUndefined();
    expect(matchingRule(rules, { origin: "http://other.test", method: "PUT", headers: [] })).toBeUndefined();
    expect(matchingRule(rules, { origin: "http://other.test", method: "GET", headers: [] })).toBe(rules[1]);
    expect(matchingRule(rules, { origin: "http://app.test", method: "DELETE", headers: [] })).toBeUndefined();
  });

  test("headers: the origin itself with credentials, or '*' without; expose, max age, the requested headers on a preflight", () => {
    expect(corsHeaders(rules[0]!, "http://app.test", { headers: ["content-type"] })).toEqual({
      "access-control-allow-origin": "http://app.test",
      "access-control-allow-methods": "PUT, POST",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "ETag",
      "access-control-max-age": "60",
      "access-control-allow-headers": "content-type",
    });
    expect(corsHeaders(rules[1]!, "http://x.test")).toEqual({ "access-control-allow-origin": "*", "access-control-allow-methods": "GET" });
  });
});
