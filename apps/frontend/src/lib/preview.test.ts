import { expect, test } from "bun:test";
import { effectiveType, previewKind, textPreview } from "./preview.ts";

test("the stored content type decides; the extension only when the type says nothing", () => {
  expect(previewKind("image/png", "x.bin")).toBe("image");
  expect(previewKind("video/mp4", "clip")).toBe("video");
  expect(previewKind("audio/mpeg", "a")).toBe("audio");
  expect(previewKind("application/pdf", "doc")).toBe("pdf");
  expect(previewKind("text/plain; charset=utf-8", "notes")).toBe("text");
  expect(previewKind("application/json", "data")).toBe("text");
  expect(previewKind("application/vnd.api+json", "data")).toBe("text");
  expect(previewKind("application/zip", "photo.jpg")).toBeUndefined();
  expect(previewKind("application/octet-stream", "photo.JPG")).toBe("image");
  expect(previewKind(null, "song.mp3")).toBe("audio");
  expect(previewKind("", "readme")).toBeUndefined();
  expect(effectiveType("binary/octet-stream", "a.pdf")).toBe("application/pdf");
});

test("HTML and scripts are text to read, never pages to render; unknown types are downloads", () => {
  expect(previewKind("text/html", "page.html")).toBe("text");
  expect(previewKind("application/javascript", "x.js")).toBe("text");
  expect(previewKind("application/x-msdownload", "setup.exe")).toBeUndefined();
  expect(previewKind("application/octet-stream", "data.bin")).toBeUndefined();
  // An SVG is an image (in <img>, where it runs no script).
  expect(previewKind("image/svg+xml", "logo.svg")).toBe("image");
});

test("text: whole or cut (a character cut by the range dropped), NUL bytes mean binary", () => {
  const enc = new TextEncoder();
  expect(textPreview(enc.encode("héllo"), 6)).toEqual({ kind: "text", text: "héllo", truncated: false });
  const euro = enc.encode("ab€"); // € is 3 bytes
  expect(textPreview(euro.subarray(0, 4), 100)).toEqual({ kind: "text", text: "ab", truncated: true });
  expect(textPreview(euro, 100)).toEqual({ kind: "text", text: "ab€", truncated: true });
  expect(textPreview(Uint8Array.from([0x50, 0x4b, 0, 1]), 4)).toEqual({ kind: "binary" });
});
