import { expect, test } from "bun:test";
import { readEvents, SseParser } from "./sse-reader.ts";

test("events split across pieces, CRLF and LF, multi-line data, comments and unnamed events", () => {
  const p = new SseParser();
  expect(p.push("event: change\ndata: {\"a\"")).toEqual([]);
  expect(p.push(":1}\n\n: comment\r\nevent:ping\r\ndata:{}\r\n\r\ndata: x\ndata: y\n")).toEqual([
    { event: "change", data: '{"a":1}' },
    { event: "ping", data: "{}" },
  ]);
  expect(p.push("\n")).toEqual([{ event: "message", data: "x\ny" }]);
  // An event without data is no event; the name does not leak into the next one.
  expect(p.push("event: lonely\n\ndata: z\n\n")).toEqual([{ event: "message", data: "z" }]);
});

test("readEvents decodes UTF-8 split between reads", async () => {
  const bytes = new TextEncoder().encode("event: change\ndata: \"é\"\n\n");
  const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of é
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes.slice(0, cut));
      c.enqueue(bytes.slice(cut));
      c.close();
    },
  });
  const got = [];
  for await (const e of readEvents(body)) got.push(e);
  expect(got).toEqual([{ event: "change", data: '"é"' }]);
});
