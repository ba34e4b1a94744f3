// Datagrams for the gossip (UDP) port: random bytes, unsealed SWIM JSON, datagrams sealed with another
// key, tampered and stale ones, and datagrams sealed with the cluster's real key whose payload the node's
// own validator refuses (decodeMessage throws) — a buggy member. A validly sealed, valid message would
// legitimately change membership, so none is ever produced: every sealed payload is checked here first.
import { decodeMessage } from "../src/membership/messages.ts";
import { ClusterKey } from "../src/security/cluster-key.ts";
import { DatagramSeal, SEAL_HEADER_BYTES, SEAL_OVERHEAD } from "../src/security/datagram-seal.ts";
import { Keyring } from "../src/security/keyring.ts";
import { type Json, mutateBytes, mutateJson, mutateJsonText } from "./mutate.ts";
import type { Rng } from "./rng.ts";

/** What the generators need to know of a cluster member. */
export interface FuzzMember {
  id: string;
  gossipPort: number;
  httpPort: number;
  transferPort: number;
}

export const GOSSIP_FAMILIES = {
  /** Random bytes, some behind the seal's magic and the real key id so they reach the MAC check. */
  "udp.random": 20,
  /** Unsealed SWIM JSON as nodes spoke before the cluster key, valid and mutated. */
  "udp.unsealed": 15,
  /** Sealed with a key the cluster does not hold. */
  "udp.foreign-key": 10,
  /** Sealed with the real key, payload refused by the validator: a buggy member. */
  "udp.sealed-malformed": 35,
  /** Sealed with the real key, then one bit changed (the payload announces a ghost member). */
  "udp.tampered": 8,
  /** Sealed with the real key, timestamp outside the freshness window (the payload announces a ghost). */
  "udp.stale": 6,
  /** An earlier sealed-malformed datagram sent again. */
  "udp.replay": 6,
} as const;
export type GossipFamily = keyof typeof GOSSIP_FAMILIES;

/** The rejection reason the node should count for each family (random bytes vary: "various"). */
export const GOSSIP_EXPECTED: Record<GossipFamily, string> = {
  "udp.random": "various",
  "udp.unsealed": "magic",
  "udp.foreign-key": "unknown_key",
  "udp.sealed-malformed": "malformed",
  "udp.tampered": "bad_mac",
  "udp.stale": "stale",
  "udp.replay": "malformed",
};

export interface Datagram {
  family: GossipFamily;
  bytes: Uint8Array;
}

/** Ids that are never members: a ghost the node accepted would show up in the membership check. */
export const GHOST_PREFIX = "fuzz-ghost-";
const FOREIGN_KEY = new ClusterKey("fuzz-outsider-key-that-no-member-holds-0000");
const DAY = 86_400_000;
/** The largest UDP payload over IPv4 (65,507 bytes) less the seal. */
const MAX_PAYLOAD = 65_507 - SEAL_OVERHEAD;

export class GossipInputs {
  private readonly realSeal: DatagramSeal;
  private readonly foreignSeal: DatagramSeal;
  private readonly staleSeal: DatagramSeal;
  private staleAt = 0;
  private readonly realKeyId: Uint8Array;
  /** Recent sealed-malformed datagrams, for replays. */
  private readonly sent: Uint8Array[] = [];
  private ghosts = 0;
  /** Candidates the validator accepted, so they were not sent (reported: shows the filter works). */
  validSkipped = 0;

  constructor(
    private readonly rng: Rng,
    private readonly members: readonly FuzzMember[],
    clusterKey: string,
  ) {
    const nonce = (n: number) => rng.bytes(n);
    const key = new ClusterKey(clusterKey);
    this.realSeal = new DatagramSeal("gossip", Keyring.of(key), { random: nonce });
    this.foreignSeal = new DatagramSeal("gossip", Keyring.of(FOREIGN_KEY), { random: nonce });
    this.staleSeal = new DatagramSeal("gossip", Keyring.of(key), { random: nonce, now: () => this.staleAt });
    this.realKeyId = key.idBytes;
  }

  next(): Datagram {
    const family = this.rng.weighted(GOSSIP_FAMILIES);
    return { family, bytes: this.make(family) };
  }

  make(family: GossipFamily): Uint8Array {
    const rng = this.rng;
    switch (family) {
      case "udp.random":
        return this.randomBytes();
      case "udp.unsealed":
        return rng.chance(0.3) ? this.encode(this.validMessage()) : this.mutated(this.validMessage());
      case "udp.foreign-key":
        return this.foreignSeal.seal(rng.chance(0.5) ? this.encode(this.ghostMessage()) : this.mutated(this.validMessage()));
      case "udp.sealed-malformed": {
        const bytes = this.realSeal.seal(this.malformedPayload());
        this.remember(bytes);
        return bytes;
      }
      case "udp.tampered": {
        const bytes = new Uint8Array(this.realSeal.seal(this.encode(this.ghostMessage())));
        // Past the magic and key id: the timestamp, nonce, payload or MAC, which the MAC covers or is.
        bytes[11 + rng.below(bytes.byteLength - 11)]! ^= 1 << rng.below(8);
        return bytes;
      }
      case "udp.stale": {
        const now = Date.now();
        this.staleAt = rng.pick([0, now - rng.int(121_000, 30 * DAY), now + rng.int(121_000, 30 * DAY), 2 ** 53]);
        return this.staleSeal.seal(this.encode(this.ghostMessage()));
      }
      case "udp.replay":
        return this.sent.length > 0 ? rng.pick(this.sent) : this.make("udp.sealed-malformed");
    }
  }

  /** A payload the node's validator refuses (checked with that validator). */
  malformedPayload(): Uint8Array {
    for (let tries = 0; tries < 20; tries++) {
      const candidate = this.mutated(this.validMessage());
      if (!this.accepted(candidate)) return candidate;
      this.validSkipped++;
    }
    return new TextEncoder().encode('{"v":1,"type":"ping"}');
  }

  /** Whether the node would believe this payload (under a valid seal). */
  accepted(payload: Uint8Array): boolean {
    try {
      decodeMessage(payload);
      return true;
    } catch {
      return false;
    }
  }

  private remember(bytes: Uint8Array): void {
    if (this.sent.length < 256) this.sent.push(bytes);
    else this.sent[this.rng.below(256)] = bytes;
  }

  private randomBytes(): Uint8Array {
    const rng = this.rng;
    const body = rng.bytes(rng.size(2000));
    switch (rng.below(4)) {
      case 0: // seal magic and version, then anything: short, or an unknown key id
        return Uint8Array.from([0x4f, 0x53, 0x01, ...body]);
      case 1: { // the real key id: reaches the MAC check
        const out = new Uint8Array(SEAL_OVERHEAD + body.byteLength);
        out.set([0x4f, 0x53, 0x01]);
        out.set(this.realKeyId, 3);
        out.set(rng.bytes(16), 11);
        out.set(body, SEAL_HEADER_BYTES);
        out.set(rng.bytes(32), SEAL_HEADER_BYTES + body.byteLength);
        return out;
      }
      default:
        return body;
    }
  }

  private encode(msg: Json): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(msg));
  }

  /** A mutation of `msg`, cut to what one datagram can carry (the seal's overhead included). */
  private mutated(msg: Json): Uint8Array {
    const rng = this.rng;
    const r = rng.below(10);
    const bytes = r < 6 ? this.encode(mutateJson(rng, msg)) : r < 8 ? new TextEncoder().encode(mutateJsonText(rng, JSON.stringify(msg))) : mutateBytes(rng, this.encode(msg));
    return bytes.byteLength > MAX_PAYLOAD ? bytes.subarray(0, MAX_PAYLOAD) : bytes;
  }

  private record(m: FuzzMember, extra: Record<string, Json> = {}): Json {
    return { id: m.id, host: "127.0.0.1", gossipPort: m.gossipPort, httpPort: m.httpPort, transferPort: m.transferPort, weight: 1, state: "alive", incarnation: 0, ...extra };
  }

  /** A member-shaped record of a made-up node. */
  private ghost(): Json {
    const port = 10_000 + this.rng.below(20_000);
    return this.record({ id: `${GHOST_PREFIX}${this.ghosts++}`, gossipPort: port, httpPort: port, transferPort: port });
  }

  /** A valid message announcing a ghost: believed only if a check in front of the validator fails. */
  private ghostMessage(): Json {
    return { v: 1, type: "gossip", from: this.rng.pick(this.members).id, cluster: "orrery", updates: [this.ghost()] };
  }

  /** A message the validator accepts, of any of the five types, about the real members. */
  validMessage(): Json {
    const rng = this.rng;
    const from = rng.pick(this.members);
    const to = rng.pick(this.members);
    const updates = () => this.members.filter(() => rng.chance(0.5)).map((m) => this.record(m, { incarnation: rng.below(3) }));
    const base: Record<string, Json> = { v: 1, from: from.id };
    if (rng.chance(0.5)) base.cluster = "orrery";
    switch (rng.below(5)) {
      case 0:
        return { ...base, type: "ping", seq: rng.below(1e6), to: to.id, updates: updates() };
      case 1:
        return { ...base, type: "ack", seq: rng.below(1e6), updates: updates() };
      case 2:
        return { ...base, type: "ping-req", seq: rng.below(1e6), to: to.id, toAddr: `127.0.0.1:${to.gossipPort}`, updates: updates() };
      case 3:
        return { ...base, type: "push-pull", exchange: rng.below(1e6), part: 0, parts: 1, reply: rng.chance(0.5), members: this.members.map((m) => this.record(m)) };
      default:
        return { ...base, type: "gossip", updates: updates() };
    }
  }
}
