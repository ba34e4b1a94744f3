// Authenticates UDP datagrams (gossip, LAN discovery) with the cluster key: a small header naming the
// key and carrying a timestamp and nonce, the payload, and an HMAC-SHA256 over both. A datagram is
// believed only if its MAC verifies under a key of ours, it is fresh, and it was not seen before.
//
//   offset size  field
//   0      2     magic "OS" (Orrery Sealed)
//   2      1     version 1
//   3      8     key id
//   11     8     sender's wall clock, ms (u64 BE)
//   19     8     random nonce
//   27     n     payload
//   27+n   32    HMAC-SHA256(sub-key for this purpose, bytes 0 .. 27+n)
import { randomBytes } from "node:crypto";
import { KEY_ID_BYTES, type KeyPurpose } from "./cluster-key.ts";
import type { Keyring } from "./keyring.ts";
import { ReplayGuard } from "./replay-guard.ts";

const MAGIC0 = 0x4f;
const MAGIC1 = 0x53;
const VERSION = 1;
export const SEAL_HEADER_BYTES = 3 + KEY_ID_BYTES + 8 + 8;
export const SEAL_TAG_BYTES = 32;
export const SEAL_OVERHEAD = SEAL_HEADER_BYTES + SEAL_TAG_BYTES;
/**
 * How far a sender's clock may be from ours. Wide enough for machines without NTP to drift for weeks,
 * narrow enough that a recorded datagram is useless soon after (the replay guard covers the window).
 */
export const DEFAULT_FRESHNESS_MS = 120_000;

export type SealRejection = "short" | "magic" | "unknown_key" | "bad_mac" | "stale" | "replay" | "malformed";

export type Opened =
  | { ok: true; payload: Uint8Array; keyId: string; sentAt: number }
  /** `sentAt` is set when the MAC verified: the sender's clock can be trusted as what it said, stale or not. */
  | { ok: false; reason: SealRejection; keyId?: string; skewMs?: number; sentAt?: number };

export class DatagramSeal {
  private readonly guard: ReplayGuard;
  /** Datagrams rejected, by reason (for /metrics). */
  readonly rejected: Record<SealRejection, number> = { short: 0, magic: 0, unknown_key: 0, bad_mac: 0, stale: 0, replay: 0, malformed: 0 };
  accepted = 0;

  constructor(
    private readonly purpose: KeyPurpose,
    private readonly keyring: Keyring,
    private readonly opts: { now?: () => number; freshnessMs?: number; random?: (n: number) => Uint8Array } = {},
  ) {
    this.guard = new ReplayGuard(this.freshnessMs);
  }

  private get freshnessMs(): number {
    return this.opts.freshnessMs ?? DEFAULT_FRESHNESS_MS;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The id of the key this node signs with (for log lines; never the key). */
  keyId(): string {
    return this.keyring.primary().id;
  }

  seal(payload: Uint8Array): Uint8Array {
    const key = this.keyring.primary();
    const out = Buffer.allocUnsafe(SEAL_OVERHEAD + payload.byteLength);
    out[0] = MAGIC0;
    out[1] = MAGIC1;
    out[2] = VERSION;
    key.idBytes.copy(out, 3);
    out.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))), 3 + KEY_ID_BYTES);
    out.set((this.opts.random ?? randomBytes)(8), 3 + KEY_ID_BYTES + 8);
    out.set(payload, SEAL_HEADER_BYTES);
    const body = out.subarray(0, SEAL_HEADER_BYTES + payload.byteLength);
    key.mac(this.purpose, body).copy(out, SEAL_HEADER_BYTES + payload.byteLength);
    return out;
  }

  /**
   * Checks a datagram; the payload is returned only if every check passed. Never throws. `valid` is the
   * caller's parse: an authenticated datagram it refuses is "malformed" and is not remembered against
   * replay, so a buggy member's garbage costs no memory (replaying it only fails the parse again).
   */
  open(bytes: Uint8Array, valid: (payload: Uint8Array) => boolean = () => true): Opened {
    const result = this.check(bytes, valid);
    if (result.ok) this.accepted++;
    else this.rejected[result.reason]++;
    return result;
  }

  private check(bytes: Uint8Array, valid: (payload: Uint8Array) => boolean): Opened {
    if (bytes.byteLength < SEAL_OVERHEAD) return { ok: false, reason: "short" };
    if (bytes[0] !== MAGIC0 || bytes[1] !== MAGIC1 || bytes[2] !== VERSION) return { ok: false, reason: "magic" };
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const keyId = buf.toString("hex", 3, 3 + KEY_ID_BYTES);
    const key = this.keyring.get(keyId);
    if (!key) return { ok: false, reason: "unknown_key", keyId };
    const end = bytes.byteLength - SEAL_TAG_BYTES;
    if (!key.verify(this.purpose, bytes.subarray(end), bytes.subarray(0, end))) return { ok: false, reason: "bad_mac", keyId };
    const timestamp = Number(buf.readBigUInt64BE(3 + KEY_ID_BYTES));
    const now = this.now();
    if (Math.abs(now - timestamp) > this.freshnessMs) return { ok: false, reason: "stale", keyId, skewMs: timestamp - now, sentAt: timestamp };
    const nonce = buf.toString("hex", 3 + KEY_ID_BYTES + 8, SEAL_HEADER_BYTES);
    if (this.guard.seen(timestamp, nonce)) return { ok: false, reason: "replay", keyId };
    const payload = bytes.subarray(SEAL_HEADER_BYTES, end);
    if (!valid(payload)) return { ok: false, reason: "malformed", keyId, sentAt: timestamp };
    this.guard.admit(now, timestamp, nonce);
    return { ok: true, payload, keyId, sentAt: timestamp };
  }
}
