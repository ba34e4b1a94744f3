// Sealed datagrams: only what verifies under a key of ours, fresh and first seen, is opened.
import { describe, expect, test } from "bun:test";
import { ClusterKey } from "./cluster-key.ts";
import { DatagramSeal, SEAL_OVERHEAD } from "./datagram-seal.ts";
import { Keyring } from "./keyring.ts";

const key = new ClusterKey("datagram-seal-test-key-0123456789abcdef");
const payload = new TextEncoder().encode('{"v":1,"type":"ping"}');

describe("DatagramSeal", () => {
  test("round trip; the payload is returned only when every check passed", () => {
    let now = 1_000_000;
    const sender = new DatagramSeal("gossip", Keyring.of(key), { now: () => now });
    const receiver = new DatagramSeal("gossip", Keyring.of(key), { now: () => now });
    const sealed = sender.seal(payload);
    expect(sealed.byteLength).toBe(payload.byteLength + SEAL_OVERHEAD);
    const opened = receiver.open(sealed);
    expect(opened.ok && new TextDecoder().decode(opened.payload)).toBe('{"v":1,"type":"ping"}');

    expect(receiver.open(sealed)).toMatchObject({ ok: false, reason: "replay" });
    const flipped = sealed.slice();
    flipped[30]! ^= 1;
    expect(receiver.open(flipped)).toMatchObject({ ok: false, reason: "bad_mac" });
    expect(receiver.open(new TextEncoder().encode(JSON.stringify({ v: 1, type: "ping", pad: "x".repeat(80) })))).toMatchObject({ ok: false, reason: "magic" });
    expect(receiver.open(new Uint8Array(10))).toMatchObject({ ok: false, reason: "short" });
    const other = new DatagramSeal("gossip", Keyring.of(new ClusterKey("another-key-entirely-0123456789abcdefgh")), { now: () => now });
    expect(receiver.open(other.seal(payload))).toMatchObject({ ok: false, reason: "unknown_key" });
    // Sealed for discovery: not valid as gossip, though the key is the same.
    const discovery = new DatagramSeal("discovery", Keyring.of(key), { now: () => now });
    expect(receiver.open(discovery.seal(payload))).toMatchObject({ ok: false, reason: "bad_mac" });

    const old = sender.seal(payload);
    now += 121_000;
    expect(receiver.open(old)).toMatchObject({ ok: false, reason: "stale" });
    expect(receiver.rejected).toMatchObject({ replay: 1, bad_mac: 2, magic: 1, short: 1, unknown_key: 1, stale: 1 });
  });

  test("during a rotation a node accepts both keys and signs with its primary", () => {
    const next = new ClusterKey("the-next-key-for-this-cluster-0123456789");
    const ring = Keyring.of(key);
    ring.install(next.secret);
    const old = new DatagramSeal("gossip", Keyring.of(key));
    const fresh = new DatagramSeal("gossip", Keyring.of(next));
    const both = new DatagramSeal("gossip", ring);
    expect(both.open(old.seal(payload)).ok).toBe(true);
    expect(both.open(fresh.seal(payload)).ok).toBe(true);
    ring.use(next.id);
    expect(fresh.open(both.seal(payload)).ok).toBe(true);
    expect(old.open(both.seal(payload))).toMatchObject({ ok: false, reason: "unknown_key" });
  });
});
