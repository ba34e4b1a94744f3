// The form reader: fields before the file, the file as a stream handed over before the body has all
// arrived, what follows the file dropped, and its bounds.
import { describe, expect, test } from "bun:test";
import type { OrreryError } from "../errors.ts";
import { MAX_FIELDS, MAX_PRE_DATA_BYTES, readForm } from "./form-data.ts";

const B = "----orrery-test-boundary";
const field = (name: string, value: string) => `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileHead = (name = "file", filename = "photo.png") => `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`;
const end = `\r\n--${B}--\r\n`;
const request = (body: BodyInit) => new Request("http://s3.test/bucket", { method: "POST", headers: { "content-type": `multipart/form-data; boundary=${B}` }, body });
const codeOf = async (p: Promise<unknown>) => p.then(() => "none", (err: OrreryError) => err.code);

describe("reading a form upload", () => {
  test("fields before the file by lower-case name, the file's bytes and name; fields after it are dropped", async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
    const body = new Blob([field("Key", "u/${filename}"), field("x-amz-meta-a", "1"), fileHead(), bytes, `\r\n${field("after", "x")}`, `--${B}--\r\n`]);
    const form = await readForm(request(body));
    expect([...form.fields]).toEqual([["key", "u/${filename}"], ["x-amz-meta-a", "1"]]);
    expect(form.file?.filename).toBe("photo.png");
    expect(new Uint8Array(await new Response(form.file!.stream).arrayBuffer())).toEqual(bytes);
    expect(form.fields.has("after")).toBe(false);
  });

  test("the file is handed over while the body is still arriving, and read only as it is pulled", async () => {
    let push!: ReadableStreamDefaultController<Uint8Array>;
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
    push.enqueue(enc.encode(field("key", "k") + fileHead()));
    push.enqueue(new Uint8Array(1000).fill(7));
    const form = await readForm(request(body)); // resolves before the rest of the body exists
    const reader = form.file!.stream.getReader();
    let got = 0;
    while (got < 1000) got += (await reader.read()).value!.byteLength;
    push.enqueue(new Uint8Array(500).fill(8));
    push.enqueue(enc.encode(end));
    push.close();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += value.byteLength;
    }
    expect(got).toBe(1500);
  });

  test("a form without a file resolves with none", async () => {
    const form = await readForm(request(field("key", "k") + `--${B}--\r\n`));
    expect(form.file).toBeUndefined();
    expect(form.fields.get("key")).toBe("k");
  });

  test("bounds: the fields before the file, their count; only a field named 'file' is the file", async () => {
    expect(await codeOf(readForm(request(field("policy", "x".repeat(MAX_PRE_DATA_BYTES + 1)) + fileHead() + "abc" + end)))).toBe("MaxPostPreDataLengthExceeded");
    const many = Array.from({ length: MAX_FIELDS + 1 }, (_, i) => field(`f${i}`, "v")).join("");
    expect(await codeOf(readForm(request(many + fileHead() + "abc" + end)))).toBe("MaxPostPreDataLengthExceeded");
    expect(await codeOf(readForm(request(field("key", "k") + fileHead("upload") + "abc" + end)))).toBe("InvalidArgument");
  });

  test("not multipart/form-data, or broken off inside the file: MalformedPOSTRequest, the file's stream errors", async () => {
    const plain = new Request("http://s3.test/bucket", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "key=k" });
    expect(await codeOf(readForm(plain))).toBe("MalformedPOSTRequest");
    const form = await readForm(request(field("key", "k") + fileHead() + "only part of it"));
    expect(await codeOf(new Response(form.file!.stream).arrayBuffer())).toBe("MalformedPOSTRequest");
  });

  test("mangled forms end in a form or an S3 error, never a hang or another error", async () => {
    const valid = new TextEncoder().encode(field("key", "k") + field("policy", "p") + fileHead() + "x".repeat(5000) + end);
    let seed = 12345;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 300; i++) {
      const bytes = valid.slice(0, rand(4) === 0 ? rand(valid.length) : valid.length);
      for (let j = rand(8); j > 0; j--) bytes[rand(bytes.length)] = rand(256);
      const outcome = await readForm(request(bytes)).then(
        async (form) => (form.file ? new Response(form.file.stream).arrayBuffer().then(() => "file", (e: OrreryError) => e.code) : "no file"),
        (e: OrreryError) => e.code,
      );
      expect(["file", "no file", "MalformedPOSTRequest", "MaxPostPreDataLengthExceeded", "InvalidArgument"]).toContain(outcome);
    }
  });
});
