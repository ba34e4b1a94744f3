// Content types from magic numbers: each signature, what must not match (text, HTML, short or empty heads),
// and a type already given or inferred left alone.
import { describe, expect, test } from "bun:test";
import { SNIFF_BYTES, sniffContentType, withSniffedType } from "./content-sniff.ts";

const bytes = (...parts: Array<string | number[]>) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? Array.from(p, (ch) => ch.charCodeAt(0)) : p)));
/** A head padded to SNIFF_BYTES with bytes no signature starts with. */
const head = (...parts: Array<string | number[]>) => {
  const b = bytes(...parts);
  return Uint8Array.from([...b, ...new Array(Math.max(0, SNIFF_BYTES - b.length)).fill(0x2e)]);
};

describe("sniffContentType", () => {
  test.each([
    ["image/png", head([0x89], "PNG\r\n\x1a\n")],
    ["image/jpeg", head([0xff, 0xd8, 0xff, 0xe0])],
    ["image/gif", head("GIF89a")],
    ["image/gif", head("GIF87a")],
    ["image/webp", head("RIFF", [1, 2, 3, 4], "WEBPVP8 ")],
    ["audio/wav", head("RIFF", [1, 2, 3, 4], "WAVEfmt ")],
    ["image/tiff", head("II*", [0])],
    ["image/tiff", head("MM", [0], "*")],
    ["image/avif", head([0, 0, 0, 0x1c], "ftypavif")],
    ["image/heic", head([0, 0, 0, 0x18], "ftypheic")],
    ["audio/mp4", head([0, 0, 0, 0x20], "ftypM4A ")],
    ["video/quicktime", head([0, 0, 0, 0x14], "ftypqt  ")],
    ["video/mp4", head([0, 0, 0, 0x20], "ftypisom")],
    ["video/webm", head([0x1a, 0x45, 0xdf, 0xa3])],
    ["application/ogg", head("OggS", [0])],
    ["audio/flac", head("fLaC")],
    ["audio/mpeg", head("ID3", [4])],
    ["application/pdf", head("%PDF-1.7")],
    ["application/zip", head("PK", [3, 4])],
    ["application/gzip", head([0x1f, 0x8b, 0x08])],
    ["application/x-7z-compressed", head([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])],
    ["application/x-xz", head([0xfd], "7zXZ", [0])],
    ["application/zstd", head([0x28, 0xb5, 0x2f, 0xfd])],
    ["application/wasm", head([0], "asm", [1, 0, 0, 0])],
    ["application/vnd.sqlite3", head("SQLite format 3", [0])],
    ["font/woff", head("wOFF")],
    ["font/woff2", head("wOF2")],
  ])("%s", (type, first) => {
    expect(sniffContentType(first)).toBe(type);
  });

  test("text, HTML, SVG and bytes that only start like a signature name nothing", () => {
    for (const first of [
      head("hello, world"),
      head("<!DOCTYPE html>"),
      head("<svg xmlns="),
      head("<?xml version"),
      head("RIFF", [1, 2, 3, 4], "AVI LIST"),
      head("PK", [5, 6]),
      head([0x89], "PNX"),
      head([0, 0, 0, 0x20], "moov"),
    ]) {
      expect(sniffContentType(first)).toBeUndefined();
    }
  });

  test("a head shorter than a signature does not match it, an empty one nothing", () => {
    expect(sniffContentType(bytes([0x89], "PNG"))).toBeUndefined();
    expect(sniffContentType(bytes("RIFF", [1, 2, 3, 4], "WEB"))).toBeUndefined();
    expect(sniffContentType(new Uint8Array(0))).toBeUndefined();
    // Exactly as long as its signature is enough.
    expect(sniffContentType(bytes([0xff, 0xd8, 0xff]))).toBe("image/jpeg");
  });
});

describe("withSniffedType", () => {
  const png = head([0x89], "PNG\r\n\x1a\n");
  test("fills in a missing type and keeps the rest of the metadata", () => {
    expect(withSniffedType(undefined, png)).toEqual({ contentType: "image/png" });
    expect(withSniffedType({ user: { a: "b" } }, png)).toEqual({ user: { a: "b" }, contentType: "image/png" });
  });
  test("a type already there (given, or from the name) wins; bytes that say nothing change nothing", () => {
    expect(withSniffedType({ contentType: "text/plain" }, png)).toEqual({ contentType: "text/plain" });
    expect(withSniffedType(undefined, head("plain"))).toBeUndefined();
  });
});
