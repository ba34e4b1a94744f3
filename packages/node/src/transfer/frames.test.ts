// The wire format without sockets: round trips, split delivery, and hostile input that must fail fast and small.
import { describe, expect, test } from "bun:test";
import {
  encodeChunkDataHead,
  encodeChunkFailure,
  encodeError,
  encodeGetChunk,
  encodeHas,
  encodeHasResult,
  encodeHead,
  encodePutChunkHead,
  encodePutResult,
  FrameDecoder,
  type FrameEvent,
  FrameType,
  HEADER_SIZE,
  ID_SIZE,
  MAX_HAS_IDS,
  parseChunkStatus,
  parseHasResult,
  parseIdList,
  parsePutResult,
  PayloadBuffer,
  ProtocolError,
} from "./frames.ts";

const MAX = 1 << 20;
const idA = "ab".repeat(32);
const idB = "0123456789abcdef".repeat(4);
const concat = (...parts: Uint8Array[]) => Buffer.concat(parts);

/** Feeds `bytes` in pieces of `step` and reassembles whole frames. */
function decodeAll(decoder: FrameDecoder, bytes: Uint8Array, step = bytes.byteLength) {
  const frames: { type: number; requestId: number; payload: Uint8Array }[] = [];
  let current: PayloadBuffer | undefined;
  for (let o = 0; o < bytes.byteLength; o += step) {
    for (const ev of decoder.push(bytes.subarray(o, o + step))) {
      if (ev.kind === "head") current = new PayloadBuffer(ev.head.payloadLength);
      else if (ev.kind === "body") current!.append(ev.bytes);
      else frames.push({ type: ev.head.type, requestId: ev.head.requestId, payload: Uint8Array.from(current!.bytes()) });
    }
  }
  return frames;
}

describe("frames", () => {
  test("requests round trip through the decoder, whole and byte by byte", () => {
    const chunk = crypto.getRandomValues(new Uint8Array(5000));
    const stream = concat(
      encodePutChunkHead(1, idA, chunk.byteLength),
      chunk,
      encodeGetChunk(2, idB),
      encodeHas(3, [idA, idB]),
      encodeHas(4, []),
    );
    for (const step of [stream.byteLength, 1, 7, 4096]) {
      const frames = decodeAll(new FrameDecoder({ maxChunkSize: MAX, accept: "requests" }), stream, step);
      expect(frames.map((f) => [f.type, f.requestId])).toEqual([
        [FrameType.PUT_CHUNK, 1],
        [FrameType.GET_CHUNK, 2],
        [FrameType.HAS, 3],
        [FrameType.HAS, 4],
      ]);
      expect(parseIdList(frames[0]!.payload.subarray(0, ID_SIZE))).toEqual([idA]);
      expect(frames[0]!.payload.subarray(ID_SIZE)).toEqual(chunk);
      expect(parseIdList(frames[1]!.payload)).toEqual([idB]);
      expect(parseIdList(frames[2]!.payload)).toEqual([idA, idB]);
      expect(parseIdList(frames[3]!.payload)).toEqual([]);
    }
  });

  test("responses round trip", () => {
    const data = crypto.getRandomValues(new Uint8Array(300));
    const bits = Array.from({ length: 19 }, (_, i) => i % 3 === 0);
    const stream = concat(
      encodePutResult(1, "ok"),
      encodePutResult(2, "store_full", "disk full ✓"),
      encodeChunkDataHead(3, data.byteLength),
      data,
      encodeChunkFailure(4, "not_found", "nope"),
      encodeHasResult(5, bits),
      encodeError(6, "bad frame"),
    );
    const frames = decodeAll(new FrameDecoder({ maxChunkSize: MAX, accept: "responses" }), stream, 3);
    expect(frames.map((f) => f.requestId)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parsePutResult(frames[0]!.payload)).toEqual({ status: "ok", message: "" });
    expect(parsePutResult(frames[1]!.payload)).toEqual({ status: "store_full", message: "disk full ✓" });
    expect(parseChunkStatus(frames[2]!.payload)).toBe("ok");
    expect(frames[2]!.payload.subarray(1)).toEqual(data);
    expect(parseChunkStatus(frames[3]!.payload)).toBe("not_found");
    expect(parseHasResult(frames[4]!.payload, 19)).toEqual(bits);
    expect(() => parseHasResult(frames[4]!.payload, 20)).toThrow(ProtocolError);
    expect(frames[5]!.type).toBe(FrameType.ERROR);
  });

  test("body slices are views of the input, not copies", () => {
    const decoder = new FrameDecoder({ maxChunkSize: MAX, accept: "requests" });
    const input = concat(encodePutChunkHead(9, idA, 1000), new Uint8Array(1000));
    const bodies = [...decoder.push(input)].filter((e): e is Extract<FrameEvent, { kind: "body" }> => e.kind === "body");
    expect(bodies.length).toBe(1);
    expect(bodies[0]!.bytes.buffer).toBe(input.buffer);
    expect(decoder.midFrame).toBe(false);
  });

  test("midFrame tracks a half-received frame", () => {
    const decoder = new FrameDecoder({ maxChunkSize: MAX, accept: "requests" });
    const frame = encodeGetChunk(1, idA);
    [...decoder.push(frame.subarray(0, 5))];
    expect(decoder.midFrame).toBe(true);
    [...decoder.push(frame.subarray(5, 20))];
    expect(decoder.midFrame).toBe(true);
    [...decoder.push(frame.subarray(20))];
    expect(decoder.midFrame).toBe(false);
  });

  const hostile: [string, Uint8Array, RegExp][] = [
    ["bad magic", concat(Buffer.from([0x47, 0x45]), encodeGetChunk(1, idA).subarray(2)), /magic/],
    ["bad version", (() => { const f = encodeGetChunk(1, idA); f[2] = 9; return f; })(), /version/],
    ["unknown type", encodeHead(0x42 as FrameType, 1, 0), /type/],
    ["response type sent as request", encodePutResult(1, "ok"), /type/],
    ["PUT over max chunk size", encodeHead(FrameType.PUT_CHUNK, 1, ID_SIZE + MAX + 1), /allowed/],
    ["PUT shorter than an id", encodeHead(FrameType.PUT_CHUNK, 1, 31), /allowed/],
    ["GET with a long id", encodeHead(FrameType.GET_CHUNK, 1, 33), /allowed/],
    ["HAS not a whole number of ids", encodeHead(FrameType.HAS, 1, 40), /whole number/],
    ["HAS with too many ids", encodeHead(FrameType.HAS, 1, ID_SIZE * (MAX_HAS_IDS + 1)), /allowed/],
    ["4 GiB length", encodeHead(FrameType.PUT_CHUNK, 1, 0xffff_ffff), /allowed/],
  ];
  for (const [name, bytes, message] of hostile) {
    test(`rejects ${name} at the header, before any payload`, () => {
      const decoder = new FrameDecoder({ maxChunkSize: MAX, accept: "requests" });
      expect(() => [...decoder.push(bytes.subarray(0, HEADER_SIZE))]).toThrow(message);
    });
  }

  test("response decoder bounds CHUNK_DATA by maxChunkSize and rejects unknown statuses", () => {
    const decoder = new FrameDecoder({ maxChunkSize: MAX, accept: "responses" });
    expect(() => [...decoder.push(encodeHead(FrameType.CHUNK_DATA, 1, MAX + 2))]).toThrow(ProtocolError);
    expect(() => parsePutResult(Uint8Array.of(7))).toThrow(/status/);
    expect(() => parseChunkStatus(Uint8Array.of(200))).toThrow(/status/);
    expect(() => [...new FrameDecoder({ maxChunkSize: MAX, accept: "responses" }).push(encodeGetChunk(1, idA))]).toThrow(/type/);
  });

  test("encoders refuse malformed ids and oversize lists", () => {
    expect(() => encodeGetChunk(1, "xyz")).toThrow(RangeError);
    expect(() => encodeGetChunk(1, idA.toUpperCase())).toThrow(RangeError);
    expect(() => encodeHas(1, Array(MAX_HAS_IDS + 1).fill(idA))).toThrow(RangeError);
  });

  test("long messages are cut to the limit on a character boundary", () => {
    const frame = encodePutResult(1, "error", "é".repeat(2000));
    const frames = decodeAll(new FrameDecoder({ maxChunkSize: MAX, accept: "responses" }), frame);
    const { message } = parsePutResult(frames[0]!.payload);
    expect(message.length).toBeGreaterThan(400);
    expect(message).toMatch(/^é+$/);
  });

  test("fuzz: random bytes fail with ProtocolError quickly and never allocate a payload", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const started = performance.now();
    let failures = 0;
    for (let round = 0; round < 5000; round++) {
      const decoder = new FrameDecoder({ maxChunkSize: MAX, accept: round % 2 ? "requests" : "responses" });
      const length = 3 + (rand() % 200);
      const bytes = Uint8Array.from({ length }, rand);
      // Half the rounds start with a valid magic and version so the type and length checks get exercised too.
      if (round % 2 === 0) bytes.set([0x4f, 0x52, 1], 0);
      try {
        for (let o = 0; o < bytes.byteLength; o += 1 + (rand() % 16)) {
          for (const ev of decoder.push(bytes.subarray(o, o + 1 + (rand() % 16)))) {
            if (ev.kind === "head") expect(ev.head.payloadLength).toBeLessThanOrEqual(MAX + ID_SIZE);
          }
        }
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolError);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(4000);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("fuzz: valid frames with mutated single bytes decode or fail cleanly", () => {
    const base = concat(encodeGetChunk(1, idA), encodeHas(2, [idA, idB]), encodePutChunkHead(3, idB, 10), new Uint8Array(10));
    for (let i = 0; i < base.byteLength; i++) {
      for (const v of [0x00, 0xff, base[i]! ^ 0x80]) {
        const mutated = Uint8Array.from(base);
        mutated[i] = v;
        try {
          decodeAll(new FrameDecoder({ maxChunkSize: MAX, accept: "requests" }), mutated, 5);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
        }
      }
    }
  });
});
