// Bucket CORS through real nodes: rules put through one node are read through the others and survive a
// restart, S3's refusals, preflights allowed and denied as S3 answers them, the headers of actual responses,
// the files API's port untouched, and a real browser on another origin using the S3 port with fetch().
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  type CORSRule,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Browser } from "playwright-core";
import { freePort } from "../harness/ports.ts";
import { launchChromium } from "../e2e/browser.ts";
import { presignedPost, s3ClusterFor, s3Failure } from "./s3-cluster.ts";

const KEY = "cors-key";
const SECRET = "cors-secret-0123456789";
const Bucket = "webapp";
let pages: Array<ReturnType<typeof Bun.serve>> = [];
let allowed = "";
let denied = "";

const RULES: CORSRule[] = [
  { ID: "app", AllowedOrigins: [], AllowedMethods: ["GET", "PUT", "POST", "HEAD"], AllowedHeaders: ["*"], ExposeHeaders: ["ETag", "x-amz-meta-note"], MaxAgeSeconds: 600 },
  { AllowedOrigins: ["http://*.example.com"], AllowedMethods: ["GET"] },
];

const f = s3ClusterFor(Bucket, { key: KEY, secret: SECRET });

beforeAll(async () => {
  // Two pages on other loopback ports: other origins than the S3 port's, one of them named in the rules.
  for (let i = 0; i < 2; i++) {
    pages.push(Bun.serve({ hostname: "127.0.0.1", port: await freePort(), fetch: () => new Response("<!doctype html><title>app</title>", { headers: { "content-type": "text/html" } }) }));
  }
  allowed = `http://127.0.0.1:${pages[0]!.port}`;
  denied = `http://127.0.0.1:${pages[1]!.port}`;
  RULES[0]!.AllowedOrigins = [allowed];
});
afterAll(async () => {
  for (const p of pages) p.stop(true);
});

const putCors = (node: number, CORSRules: CORSRule[], bucket = Bucket) =>
  f.s3[node]!.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules } }));
const rulesOf = async (node: number, bucket = Bucket) => (await f.s3[node]!.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules;
const preflight = (node: number, path: string, headers: Record<string, string>) => fetch(`${f.endpoints[node]}${path}`, { method: "OPTIONS", headers });

describe("PutBucketCors, GetBucketCors, DeleteBucketCors", () => {
  test("rules put through one node are read through the others; deleted, GetBucketCors is NoSuchCORSConfiguration", async () => {
    expect(await s3Failure(rulesOf(1))).toEqual({ name: "NoSuchCORSConfiguration", status: 404 });
    await putCors(0, RULES);
    for (const node of [1, 2]) expect(await rulesOf(node)).toEqual(RULES);
    await f.s3[1]!.send(new DeleteBucketCorsCommand({ Bucket }));
    expect(await s3Failure(rulesOf(2))).toEqual({ name: "NoSuchCORSConfiguration", status: 404 });
    await putCors(2, RULES);
    expect(await rulesOf(0)).toHaveLength(2);
    // Where they are kept is no bucket.
    expect((await f.s3[0]!.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([Bucket]);
  });

  test("S3's refusals: a method it does not allow, two wildcards in an origin, more than 100 rules, no bucket", async () => {
    const rule = { AllowedOrigins: ["*"], AllowedMethods: ["GET"] };
    expect(await s3Failure(putCors(0, [{ ...rule, AllowedMethods: ["PATCH"] }]))).toEqual({ name: "InvalidRequest", status: 400 });
    expect(await s3Failure(putCors(0, [{ ...rule, AllowedOrigins: ["http://*.*.example.com"] }]))).toEqual({ name: "InvalidRequest", status: 400 });
    expect(await s3Failure(putCors(0, Array.from({ length: 101 }, () => rule)))).toEqual({ name: "MalformedXML", status: 400 });
    expect(await s3Failure(putCors(0, [rule], "no-such-bucket"))).toEqual({ name: "NoSuchBucket", status: 404 });
    // The refused ones changed nothing.
    expect(await rulesOf(1)).toHaveLength(2);
  });
});

describe("preflight and actual requests on the S3 port", () => {
  test("a preflight the rules allow gets the rule's headers from any node; others get S3's 403s", async () => {
    const ok = await preflight(2, `/${Bucket}/some/key.txt`, { origin: allowed, "access-control-request-method": "PUT", "access-control-request-headers": "Content-Type, X-Amz-Date" });
    expect(ok.status).toBe(200);
    expect(Object.fromEntries([...ok.headers].filter(([k]) => k.startsWith("access-control-")))).toEqual({
      "access-control-allow-origin": allowed,
      "access-control-allow-methods": "GET, PUT, POST, HEAD",
      "access-control-allow-headers": "content-type, x-amz-date",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "ETag, x-amz-meta-note",
      "access-control-max-age": "600",
    });
    expect(ok.headers.get("vary")).toContain("Origin");
    const wildcard = await preflight(1, `/${Bucket}/k`, { origin: "http://shop.example.com", "access-control-request-method": "GET" });
    expect(wildcard.status).toBe(200);
    const refused = async (node: number, path: string, headers: Record<string, string>) => {
      const res = await preflight(node, path, headers);
      const text = await res.text();
      return { status: res.status, code: /<Code>(.*?)<\/Code>/.exec(text)?.[1], message: /<Message>(.*?)<\/Message>/.exec(text)?.[1], allow: res.headers.get("access-control-allow-origin") };
    };
    const notAllowed = await refused(0, `/${Bucket}/k`, { origin: denied, "access-control-request-method": "PUT" });
    expect(notAllowed).toMatchObject({ status: 403, code: "AccessForbidden", allow: null });
    expect(notAllowed.message).toStartWith("CORSResponse: This CORS request is not allowed.");
    expect(await refused(0, `/${Bucket}/k`, { origin: allowed, "access-control-request-method": "DELETE" })).toMatchObject({ status: 403, code: "AccessForbidden" });
    expect(await refused(0, `/${Bucket}/k`, { origin: "http://shop.example.com", "access-control-request-method": "GET", "access-control-request-headers": "x-custom" })).toMatchObject({ status: 403 });
    await f.s3[0]!.send(new CreateBucketCommand({ Bucket: "plain" }));
    expect(await refused(1, "/plain/k", { origin: allowed, "access-control-request-method": "GET" })).toEqual({
      status: 403,
      code: "AccessForbidden",
      message: "CORSResponse: CORS is not enabled for this bucket.",
      allow: null,
    });
    expect(await refused(1, `/${Bucket}/k`, { "access-control-request-method": "GET" })).toMatchObject({ status: 400, code: "BadRequest" });
  });

  test("an actual response to an allowed origin carries Allow-Origin, Expose-Headers and Vary: Origin; another origin's none", async () => {
    await f.s3[0]!.send(new PutObjectCommand({ Bucket, Key: "hello.txt", Body: "hello", Metadata: { note: "hi" } }));
    const url = await getSignedUrl(f.s3[1]!, new GetObjectCommand({ Bucket, Key: "hello.txt" }), { expiresIn: 300 });
    const get = await fetch(url, { headers: { origin: allowed } });
    expect(await get.text()).toBe("hello");
    expect(get.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(get.headers.get("access-control-expose-headers")).toBe("ETag, x-amz-meta-note");
    expect(get.headers.get("vary")).toContain("Origin");
    const other = await fetch(url, { headers: { origin: denied } });
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toContain("Origin");
    // An error is readable by the page too (a missing key), and a request without Origin gets no CORS header.
    const missing = await fetch(await getSignedUrl(f.s3[1]!, new GetObjectCommand({ Bucket, Key: "nope" }), { expiresIn: 300 }), { headers: { origin: allowed } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(allowed);
    expect((await fetch(url)).headers.get("access-control-allow-origin")).toBeNull();
  });

  test("the files API's port stays closed to other origins whatever a bucket allows", async () => {
    const node = f.cluster.nodes[0]!;
    const options = await fetch(`${node.url}/api/files/${Bucket}/hello.txt`, { method: "OPTIONS", headers: { origin: allowed, "access-control-request-method": "GET" } });
    expect(options.headers.get("access-control-allow-origin")).toBeNull();
    const get = await fetch(`${node.url}/api/files/${Bucket}/hello.txt`, { headers: { origin: allowed } });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("rules survive a restart of every node; a deleted and re-made bucket has none", async () => {
    for (const node of f.cluster.nodes) await node.stop();
    for (const node of f.cluster.nodes) await f.cluster.restart(node);
    await f.cluster.waitForMembers(3);
    expect(await rulesOf(1)).toHaveLength(2);
    expect((await preflight(2, `/${Bucket}/k`, { origin: allowed, "access-control-request-method": "GET" })).status).toBe(200);
    await f.s3[0]!.send(new CreateBucketCommand({ Bucket: "short-lived" }));
    await putCors(0, RULES, "short-lived");
    await f.s3[1]!.send(new DeleteBucketCommand({ Bucket: "short-lived" }));
    await f.s3[2]!.send(new CreateBucketCommand({ Bucket: "short-lived" }));
    expect(await s3Failure(rulesOf(0, "short-lived"))).toEqual({ name: "NoSuchCORSConfiguration", status: 404 });
  });
});

describe("a browser page on another origin", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Runs in the page: a presigned PUT (preflighted), a GET reading an exposed header, a form POST. */
  const useS3 = async (origin: string, key: string) => {
    const put = await getSignedUrl(f.s3[0]!, new PutObjectCommand({ Bucket, Key: key }), { expiresIn: 300 });
    const get = await getSignedUrl(f.s3[1]!, new GetObjectCommand({ Bucket, Key: key }), { expiresIn: 300 });
    const post = await presignedPost(f.s3[2]!, { Bucket, Key: `${key}.form`, Fields: { success_action_status: "201" }, Expires: 300 });
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        async ({ put, get, post }) => {
          const attempt = async (f: () => Promise<unknown>) => f().catch((e: Error) => `blocked: ${e.name}`);
          const putAnswer = await attempt(async () => {
            const res = await fetch(put, { method: "PUT", body: "written by a page", headers: { "content-type": "text/plain" } });
            return { status: res.status, etag: res.headers.get("etag") };
          });
          const getAnswer = await attempt(async () => (await fetch(get)).text());
          const form = new FormData();
          for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
          form.append("file", new Blob(["a form upload"], { type: "text/plain" }), "f.txt");
          const postAnswer = await attempt(async () => {
            const res = await fetch(post.url, { method: "POST", body: form });
            return { status: res.status, body: await res.text() };
          });
          return { put: putAnswer, get: getAnswer, post: postAnswer };
        },
        { put, get, post },
      );
    } finally {
      await page.close();
    }
  };

  test("the allowed origin writes, reads the ETag and the body, and uploads a form; the other is blocked by the browser", async () => {
    const ok = await useS3(allowed, "from-page.txt");
    expect(ok.put).toEqual({ status: 200, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(ok.get).toBe("written by a page");
    expect(ok.post).toMatchObject({ status: 201, body: expect.stringContaining("<Key>from-page.txt.form</Key>") });
    const blocked = await useS3(denied, "from-other.txt");
    expect(blocked).toEqual({ put: "blocked: TypeError", get: "blocked: TypeError", post: "blocked: TypeError" });
    // The preflight stopped the other origin's PUT before it was sent; its form POST (a simple request,
    // sent without a preflight) is stored as any signed upload is: CORS guards reading, the policy writing.
    expect(await s3Failure(f.s3[1]!.send(new GetObjectCommand({ Bucket, Key: "from-other.txt" })))).toEqual({ name: "NoSuchKey", status: 404 });
  }, 60_000);
});
