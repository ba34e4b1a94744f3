// POST Object (browser form uploads) through real nodes, with policies made by AWS's own
// createPresignedPost: a stored upload read back through another node with its metadata, `${filename}`,
// success_action_status and _redirect, a form's tags and checksum; the file streamed (one past the range is
// refused while it is still being sent); every refusal as S3 answers it (a condition broken, an extra field,
// an expired policy, a tampered signature or policy, a file outside the size range), storing nothing.
import { describe, expect, test } from "bun:test";
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import type { PresignedPost } from "@aws-sdk/s3-presigned-post";
import { randomBytes } from "../harness/cluster.ts";
import { presignedPost, s3ClusterFor, s3Failure } from "./s3-cluster.ts";

const KEY = "post-key";
const SECRET = "post-secret-0123456789";
const Bucket = "forms";
const MiB = 1024 * 1024;

const f = s3ClusterFor(Bucket, { key: KEY, secret: SECRET });

/** A policy for uploads/…, 1 byte to 4 MiB, an image type and an owner, made through node `node`. */
const presigned = (node = 0, extra: { Fields?: Record<string, string>; Expires?: number; max?: number } = {}) =>
  presignedPost(f.s3[node]!, {
    Bucket,
    Key: "uploads/${filename}",
    Conditions: [["starts-with", "$key", "uploads/"], ["content-length-range", 1, extra.max ?? 4 * MiB]],
    Fields: { "Content-Type": "image/png", "x-amz-meta-owner": "alice", ...extra.Fields },
    Expires: extra.Expires ?? 300,
  });

/** Posts the form: the policy's fields (with `change` applied), then the file, last, as browsers send it. */
async function post(p: PresignedPost, file: Uint8Array<ArrayBuffer> | string, change: Record<string, string | undefined> = {}, filename = "cat.png") {
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...p.fields, ...change })) if (v !== undefined) form.append(k, v);
  form.append("file", new Blob([file]), filename);
  const res = await fetch(p.url, { method: "POST", body: form, redirect: "manual" });
  const text = await res.text();
  return { status: res.status, code: /<Code>(.*?)<\/Code>/.exec(text)?.[1], message: /<Message>(.*?)<\/Message>/.exec(text)?.[1]?.replaceAll("&quot;", '"'), text, headers: res.headers };
}

const absent = async (Key: string) => expect(await s3Failure(f.s3[1]!.send(new HeadObjectCommand({ Bucket, Key })))).toEqual({ name: "NotFound", status: 404 });

describe("POST Object", () => {
  test("a multi-chunk file is stored under the key with ${filename}, with the form's type and metadata, read through another node", async () => {
    const body = randomBytes(3 * MiB + 17);
    const res = await post(await presigned(0, { Fields: { success_action_status: "201" } }), body);
    expect(res.status).toBe(201);
    expect(res.text).toContain("<Key>uploads/cat.png</Key>");
    expect(res.text).toContain(`<Bucket>${Bucket}</Bucket>`);
    const head = await f.s3[2]!.send(new HeadObjectCommand({ Bucket, Key: "uploads/cat.png" }));
    expect({ type: head.ContentType, owner: head.Metadata?.owner, length: head.ContentLength, etag: head.ETag }).toEqual({
      type: "image/png",
      owner: "alice",
      length: body.length,
      etag: res.headers.get("etag")!,
    });
    const get = await f.s3[1]!.send(new GetObjectCommand({ Bucket, Key: "uploads/cat.png" }));
    expect(Buffer.from(await get.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  test("a form's tags (a <Tagging> document) and x-amz-checksum-sha256 are kept; a wrong checksum is BadDigest, nothing stored", async () => {
    const body = randomBytes(200_000);
    const sum = new Bun.CryptoHasher("sha256").update(body).digest("base64");
    const tagging = "<Tagging><TagSet><Tag><Key>from</Key><Value>form</Value></Tag></TagSet></Tagging>";
    const p = await presigned(1, { Fields: { tagging, "x-amz-checksum-sha256": sum } });
    expect((await post(p, body, {}, "sum.png")).status).toBe(204);
    const head = await f.s3[2]!.send(new HeadObjectCommand({ Bucket, Key: "uploads/sum.png", ChecksumMode: "ENABLED" }));
    expect({ sum: head.ChecksumSHA256, tags: head.TagCount }).toEqual({ sum, tags: 1 });
    expect((await f.s3[0]!.send(new GetObjectTaggingCommand({ Bucket, Key: "uploads/sum.png" }))).TagSet).toEqual([{ Key: "from", Value: "form" }]);
    expect(await post(p, randomBytes(200_000), {}, "bad-sum.png")).toMatchObject({ status: 400, code: "BadDigest" });
    await absent("uploads/bad-sum.png");
  });

  test("server-side encryption asked in the form is refused as on PutObject, nothing stored", async () => {
    const managed = await presigned(0, { Fields: { "x-amz-server-side-encryption": "AES256" } });
    expect(await post(managed, "x", {}, "sse.png")).toMatchObject({ status: 501, code: "NotImplemented" });
    const customer = await presigned(0, { Fields: { "x-amz-server-side-encryption-customer-algorithm": "AES256" } });
    expect(await post(customer, "x", {}, "ssec.png")).toMatchObject({ status: 400, code: "InvalidRequest" });
    await absent("uploads/sse.png");
    await absent("uploads/ssec.png");
  });

  test("success_action_status 200 and 204 (the default) answer no body; success_action_redirect is a 303 naming the object", async () => {
    expect((await post(await presigned(1, { Fields: { success_action_status: "200" } }), "a", {}, "a.png")).status).toBe(200);
    const plain = await post(await presigned(1), "b", {}, "b.png");
    expect({ status: plain.status, text: plain.text, etag: plain.headers.get("etag") }).toEqual({ status: 204, text: "", etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    const redirected = await post(await presigned(2, { Fields: { success_action_redirect: "http://app.test/done?x=1" } }), "c", {}, "c.png");
    expect(redirected.status).toBe(303);
    const location = new URL(redirected.headers.get("location")!);
    expect(Object.fromEntries(location.searchParams)).toEqual({ x: "1", bucket: Bucket, key: "uploads/c.png", etag: redirected.headers.get("etag")! });
    for (const k of ["a", "b", "c"]) expect((await f.s3[0]!.send(new HeadObjectCommand({ Bucket, Key: `uploads/${k}.png` }))).ContentLength).toBe(1);
  });

  test("a broken condition, a field the policy does not name, an expired policy: AccessDenied, nothing stored", async () => {
    const p = await presigned(0);
    expect(await post(p, "x", { key: "elsewhere/x.png" })).toMatchObject({ status: 403, code: "AccessDenied", message: expect.stringContaining('"starts-with", "$key", "uploads/"') });
    expect(await post(p, "x", { "Content-Type": "text/html" }, "d.png")).toMatchObject({ status: 403, code: "AccessDenied", message: expect.stringContaining("Policy Condition failed") });
    expect(await post(p, "x", { "x-amz-meta-owner": "mallory" }, "e.png")).toMatchObject({ status: 403, code: "AccessDenied" });
    expect(await post(p, "x", { acl: "public-read" }, "f.png")).toMatchObject({ status: 403, code: "AccessDenied", message: "Invalid according to Policy: Extra input fields: acl" });
    const short = await presigned(1, { Expires: 1 });
    await Bun.sleep(2100);
    expect(await post(short, "x", {}, "g.png")).toMatchObject({ status: 403, code: "AccessDenied", message: "Invalid according to Policy: Policy expired." });
    await absent("elsewhere/x.png");
    for (const k of ["d", "e", "f", "g"]) await absent(`uploads/${k}.png`);
  });

  test("a tampered signature, or a policy widened after signing, is SignatureDoesNotMatch; no policy is AccessDenied", async () => {
    const p = await presigned(2);
    const signature = p.fields["X-Amz-Signature"]!;
    const flipped = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
    expect(await post(p, "x", { "X-Amz-Signature": flipped }, "h.png")).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    const policy = JSON.parse(Buffer.from(p.fields.Policy!, "base64").toString());
    policy.conditions = policy.conditions.map((c: unknown) => (Array.isArray(c) && c[0] === "content-length-range" ? ["content-length-range", 0, 10 * 1024 ** 3] : c));
    expect(await post(p, "x", { Policy: Buffer.from(JSON.stringify(policy)).toString("base64") }, "i.png")).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await post(p, "x", { Policy: undefined }, "j.png")).toMatchObject({ status: 403, code: "AccessDenied" });
    for (const k of ["h", "i", "j"]) await absent(`uploads/${k}.png`);
  });

  test("a file larger than the range is EntityTooLarge (read no further), an empty one EntityTooSmall; nothing stored", async () => {
    const p = await presigned(0, { max: 1 * MiB });
    expect(await post(p, randomBytes(3 * MiB), {}, "big.png")).toMatchObject({ status: 400, code: "EntityTooLarge" });
    expect(await post(p, "", {}, "empty.png")).toMatchObject({ status: 400, code: "EntityTooSmall" });
    expect((await post(p, randomBytes(MiB), {}, "exact.png")).status).toBe(204);
    await absent("uploads/big.png");
    await absent("uploads/empty.png");
  });

  test("the file streams: past the range the answer comes while the client is still sending, the rest never read", async () => {
    const p = await presigned(2, { max: 1 * MiB });
    const B = "orrery-stream-boundary";
    const fields = Object.entries(p.fields).map(([k, v]) => `--${B}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("");
    const head = `${fields}--${B}\r\nContent-Disposition: form-data; name="file"; filename="endless.png"\r\n\r\n`;
    let sent = 0;
    // A body that never ends: only an answer that does not wait for it can arrive.
    const body = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode(head)),
      async pull(c) {
        if (sent >= 2 * MiB) return new Promise(() => {});
        sent += 256 * 1024;
        c.enqueue(new Uint8Array(256 * 1024));
      },
    });
    const res = await fetch(p.url, { method: "POST", body, headers: { "content-type": `multipart/form-data; boundary=${B}` }, duplex: "half" } as RequestInit);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>EntityTooLarge</Code>");
    await absent("uploads/endless.png");
  });

  test("malformed forms: no file, not multipart, fields before the file past 20 KB", async () => {
    const p = await presigned(1);
    const noFile = new FormData();
    for (const [k, v] of Object.entries(p.fields)) noFile.append(k, v);
    const res = await fetch(p.url, { method: "POST", body: noFile });
    expect({ status: res.status, code: /<Code>(.*?)<\/Code>/.exec(await res.text())?.[1] }).toEqual({ status: 400, code: "InvalidArgument" });
    const urlencoded = await fetch(p.url, { method: "POST", body: new URLSearchParams(p.fields) });
    expect(urlencoded.status).toBe(400);
    expect(await urlencoded.text()).toContain("<Code>MalformedPOSTRequest</Code>");
    expect(await post(p, "x", { "x-ignore-padding": "p".repeat(21 * 1024) }, "k.png")).toMatchObject({ status: 400, code: "MaxPostPreDataLengthExceeded" });
    await absent("uploads/k.png");
  });
});
