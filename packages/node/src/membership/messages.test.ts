// The wire format: every message type round-trips; anything malformed is refused with a clear error.
import { describe, expect, test } from "bun:test";
import {
  decodeMessage,
  encodeMessage,
  MalformedMessageError,
  MAX_DATAGRAM_BYTES,
  type MemberUpdate,
  type SwimMessage,
} from "./messages.ts";
import { mulberry32 } from "./sim-network.ts";

const u: MemberUpdate = {
  id: "node-1",
  host: "10.0.0.7",
  gossipPort: 4000,
  httpPort: 3000,
  transferPort: 5000,
  zone: "attic",
  weight: 2,
  state: "suspect",
  incarnation: 3,
  suspectedBy: "node-2",
};
const text = (s: string) => new TextEncoder().encode(s);
const decodeError = (bytes: Uint8Array): string => {
  try {
    decodeMessage(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(MalformedMessageError);
    return (err as Error).message;
  }
  throw new Error("decoded without error");
};

describe("gossip wire format", () => {
  test("every message type round-trips", () => {
    const messages: SwimMessage[] = [
      { v: 1, type: "ping", from: "a", seq: 1, to: "b", updates: [u] },
      { v: 1, type: "ack", from: "b", seq: 1, updates: [] },
      { v: 1, type: "ping-req", from: "a", seq: 2, to: "c", toAddr: "10.0.0.9:4000", updates: [u] },
      { v: 1, type: "ping-req", from: "a", seq: 3, to: "c", toAddr: "10.0.0.9:4000", nack: true, updates: [] },
      { v: 1, type: "nack", from: "b", seq: 3 },
      { v: 1, type: "push-pull", from: "a", exchange: 9, part: 0, parts: 2, reply: true, members: [u, { ...u, id: "x", state: "left" }] },
      { v: 1, type: "gossip", from: "a", updates: [{ ...u, state: "alive", zone: undefined, suspectedBy: undefined }] },
      // A full member, a storage-less gateway (weight 0), and a newcomer (its founding set's digest).
      { v: 1, type: "gossip", from: "a", updates: [{ ...u, full: true }, { ...u, id: "gw", weight: 0 }, { ...u, id: "new", joining: "0123456789abcdef" }] },
      // A member announcing the ring version it has synced (replication/ring-sync.ts).
      { v: 1, type: "gossip", from: "a", updates: [{ ...u, id: "synced", ringSynced: "fedcba9876543210" }] },
    ];
    for (const m of messages) expect(decodeMessage(encodeMessage(m))).toEqual(JSON.parse(JSON.stringify(m)));
  });

  test("random bytes, bad JSON and non-objects are refused", () => {
    const rnd = mulberry32(7);
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256));
      expect(() => decodeMessage(bytes)).toThrow(MalformedMessageError);
    }
    expect(decodeError(new Uint8Array())).toContain("empty");
    expect(decodeError(text('{"v":1,"type":"ping"'))).toContain("not valid JSON");
    expect(decodeError(text("[1,2]"))).toContain("not a JSON object");
    expect(decodeError(text("null"))).toContain("not a JSON object");
    expect(decodeError(Uint8Array.of(0xff, 0xfe, 0x7b))).toContain("UTF-8");
  });

  test("unknown types, other versions, wrong field types and out-of-range values are refused", () => {
    const ping = { v: 1, type: "ping", from: "a", seq: 1, to: "b", updates: [] };
    const bad = (m: unknown) => decodeError(text(JSON.stringify(m)));
    expect(bad({ ...ping, type: "shutdown" })).toContain('unknown message type "shutdown"');
    expect(bad({ ...ping, v: 2 })).toContain("unsupported version 2");
    expect(bad({ ...ping, seq: "1" })).toContain("ping seq");
    expect(bad({ ...ping, seq: -1 })).toContain("ping seq");
    expect(bad({ ...ping, seq: 1.5 })).toContain("ping seq");
    expect(bad({ ...ping, to: "" })).toContain("ping to");
    expect(bad({ ...ping, from: "a b" })).toContain("ping from");
    expect(bad({ ...ping, updates: [{ ...u, gossipPort: 70000 }] })).toContain("updates.0.gossipPort");
    expect(bad({ ...ping, updates: [{ ...u, state: "zombie" }] })).toContain("updates.0.state");
    expect(bad({ ...ping, updates: [{ ...u, weight: -1 }] })).toContain("updates.0.weight");
    expect(bad({ ...ping, updates: [{ ...u, weight: 1e6 + 1 }] })).toContain("updates.0.weight");
    expect(bad({ ...ping, updates: [{ ...u, weight: "2" }] })).toContain("updates.0.weight");
    expect(bad({ ...ping, updates: [{ ...u, full: "yes" }] })).toContain("updates.0.full");
    expect(bad({ ...ping, updates: [{ ...u, joining: "x".repeat(4096) }] })).toContain("updates.0.joining");
    expect(bad({ ...ping, updates: [{ ...u, ringSynced: "x".repeat(4096) }] })).toContain("updates.0.ringSynced");
    expect(bad({ ...ping, updates: [{ ...u, ringSynced: 12 }] })).toContain("updates.0.ringSynced");
    expect(bad({ ...ping, updates: "none" })).toContain("ping updates");
    const { to: _to, ...noTarget } = ping;
    expect(bad(noTarget)).toContain("ping to");
    expect(bad({ v: 1, type: "push-pull", from: "a", exchange: 1, part: 2, parts: 2, reply: false, members: [] })).toContain("part");
    expect(bad({ v: 1, type: "ping-req", from: "a", seq: 1, to: "b", toAddr: "nowhere", updates: [] })).toContain("toAddr");
  });

  test("oversize datagrams are refused before parsing, and never produced", () => {
    const huge = new Uint8Array(MAX_DATAGRAM_BYTES + 1).fill(0x20);
    expect(decodeError(huge)).toContain("exceeds");
    const members = Array.from({ length: 1000 }, (_, i) => ({ ...u, id: `n${i}`, host: "h".repeat(200) }));
    expect(() => encodeMessage({ v: 1, type: "push-pull", from: "a", exchange: 1, part: 0, parts: 1, reply: false, members })).toThrow(/exceeds/);
  });
});
