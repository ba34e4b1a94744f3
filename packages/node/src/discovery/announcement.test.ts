// The discovery wire format: round-trips, and refuses anything malformed with a clear reason.
import { describe, expect, test } from "bun:test";
import {
  ANNOUNCEMENT_MAGIC,
  decodeAnnouncement,
  encodeAnnouncement,
  looksLikeAnnouncement,
  MalformedAnnouncementError,
  MAX_ANNOUNCEMENT_BYTES,
  type Announcement,
} from "./announcement.ts";

const a: Announcement = { cluster: "alpha", id: "node-1", host: "10.77.0.11", gossipPort: 4000, httpPort: 3000 };
const text = (s: string) => new TextEncoder().encode(s);
const withHeader = (body: string, version = 1) => new Uint8Array([...ANNOUNCEMENT_MAGIC, version, ...text(body)]);
const reason = (bytes: Uint8Array): string => {
  try {
    decodeAnnouncement(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedAnnouncementError);
    return (err as Error).message;
  }
  throw new Error("decoded without error");
};

describe("discovery announcement", () => {
  test("round-trips, with the magic and version in front", () => {
    const bytes = encodeAnnouncement(a);
    expect([...bytes.subarray(0, 5)]).toEqual([0x4f, 0x52, 0x44, 0x53, 1]);
    expect(bytes.byteLength).toBeLessThan(200);
    expect(decodeAnnouncement(bytes)).toEqual(a);
    expect(looksLikeAnnouncement(bytes)).toBe(true);
    for (const host of ["fd00::7", "fe80::1%eth0", "my_node", "pi-3.local"]) {
      expect(decodeAnnouncement(encodeAnnouncement({ ...a, host }))).toEqual({ ...a, host });
    }
  });

  test("the largest valid announcement stays under the size limit", () => {
    const big = { cluster: "c".repeat(64), id: "n".repeat(64), host: "h".repeat(253), gossipPort: 65535, httpPort: 65535 };
    expect(encodeAnnouncement(big).byteLength).toBeLessThanOrEqual(MAX_ANNOUNCEMENT_BYTES);
  });

  test("encoding refuses values the decoder would refuse", () => {
    expect(() => encodeAnnouncement({ ...a, cluster: "no spaces" })).toThrow();
    expect(() => encodeAnnouncement({ ...a, gossipPort: 0 })).toThrow();
  });

  test("refuses bad magic, versions, sizes, encodings and fields", () => {
    expect(looksLikeAnnouncement(text('{"v":1,"type":"ping"}'))).toBe(false);
    expect(reason(text("hello world"))).toContain("bad magic");
    expect(reason(new Uint8Array())).toContain("bad magic");
    expect(reason(withHeader(""))).toContain("too short");
    expect(reason(withHeader(JSON.stringify(a), 2))).toContain("unsupported version 2");
    expect(reason(new Uint8Array(MAX_ANNOUNCEMENT_BYTES + 1))).toContain("exceeds");
    expect(reason(new Uint8Array([...ANNOUNCEMENT_MAGIC, 1, 0xff, 0xfe]))).toContain("not UTF-8 JSON");
    expect(reason(withHeader("{nope"))).toContain("not UTF-8 JSON");
    expect(reason(withHeader("[1,2]"))).toContain("body");
    expect(reason(withHeader(JSON.stringify({ ...a, cluster: "" })))).toContain("cluster");
    expect(reason(withHeader(JSON.stringify({ ...a, cluster: "x".repeat(65) })))).toContain("cluster");
    expect(reason(withHeader(JSON.stringify({ ...a, id: "bad id!" })))).toContain("id");
    for (const host of ["10.0.0.1:4000 x", "[fd00::1]", "a/b", ""]) {
      expect(reason(withHeader(JSON.stringify({ ...a, host })))).toContain("host");
    }
    expect(reason(withHeader(JSON.stringify({ ...a, gossipPort: 70000 })))).toContain("gossipPort");
    expect(reason(withHeader(JSON.stringify({ ...a, httpPort: "3000" })))).toContain("httpPort");
    const { id: _, ...noId } = a;
    expect(reason(withHeader(JSON.stringify(noId)))).toContain("id");
  });

  test("random datagrams never throw anything but MalformedAnnouncementError", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rnd() * 600);
      const bytes = new Uint8Array(len).map(() => Math.floor(rnd() * 256));
      if (i % 2 === 0 && len >= 5) bytes.set([...ANNOUNCEMENT_MAGIC, 1]);
      try {
        decodeAnnouncement(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(MalformedAnnouncementError);
      }
    }
  });
});
