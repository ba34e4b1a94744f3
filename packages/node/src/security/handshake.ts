// The mutual authentication that opens every node-to-node TCP connection (a Noise-style handshake with
// a pre-shared key, NNpsk-like): each side sends a fresh nonce and an ephemeral X25519 key, each proves
// it holds the cluster key with an HMAC over the whole transcript, and both derive per-direction
// AES-256-GCM keys from the Diffie-Hellman secret, the cluster key and the transcript. Pure: no sockets.
//
//   ClientHello  "ORHS" | ver 1 | flags | key id[8] | nonce[32] | x25519[32] | idLen | id | wantLen | wantedId
//   ServerHello  "ORHS" | ver 1 | status 0 | flags | nonce[32] | x25519[32] | idLen | id | mac_s[32]
//                "ORHS" | ver 1 | status ≠ 0 | msgLen | message            (refusal; the server then closes)
//   ClientFinish mac_c[32]
//
// mac_s = HMAC(rpc sub-key, "server" ‖ H), mac_c = HMAC(rpc sub-key, "client" ‖ H), H = SHA-256 of
// ClientHello ‖ ServerHello without its MAC. flags bit 0: "encrypt"; records are encrypted when either
// side asks. Neither side sends a frame before it verified the other's MAC.
import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import { isNodeId } from "../util/node-id.ts";
import { type ClusterKey, KEY_ID_BYTES } from "./cluster-key.ts";
import type { Keyring } from "./keyring.ts";

const MAGIC = Buffer.from("ORHS");
const VERSION = 1;
const NONCE = 32;
const PUB = 32;
const MAC = 32;
const MAX_ID = 64;
const MAX_MESSAGE = 200;
/** No handshake message is larger; more buffered bytes than this is hostile. */
export const MAX_HANDSHAKE_BYTES = 512;
const X25519_SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");

export const RefusalStatus = { unknown_key: 1, wrong_node: 2, malformed: 3 } as const;
export type Refusal = keyof typeof RefusalStatus;

export type HandshakeFailure = "unknown_key" | "bad_mac" | "wrong_node" | "malformed" | "refused" | "timeout" | "closed";

export class HandshakeError extends Error {
  constructor(
    readonly reason: HandshakeFailure,
    message: string,
  ) {
    super(message);
    this.name = "HandshakeError";
  }
}

/** What both ends hold once the handshake succeeded. */
export interface Session {
  peerId: string;
  keyId: string;
  encrypt: boolean;
  /** AES-256-GCM key for the records this side sends, and for those it receives. */
  sendKey: Buffer;
  recvKey: Buffer;
}

function ephemeral(): { privateKey: KeyObject; raw: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const der = publicKey.export({ format: "der", type: "spki" });
  return { privateKey, raw: Buffer.from(der.subarray(der.length - PUB)) };
}

function sharedSecret(privateKey: KeyObject, peerRaw: Uint8Array): Buffer {
  const publicKey = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peerRaw]), format: "der", type: "spki" });
  return diffieHellman({ privateKey, publicKey });
}

function sessionKeys(key: ClusterKey, shared: Buffer, transcript: Buffer): { c2s: Buffer; s2c: Buffer } {
  const okm = Buffer.from(hkdfSync("sha256", shared, key.subkey("rpc"), Buffer.concat([Buffer.from("orrery session v1 "), transcript]), 64));
  return { c2s: okm.subarray(0, 32), s2c: okm.subarray(32, 64) };
}

const hash = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** Reads a length-prefixed id at `o`; undefined when more bytes are needed. */
function readId(buf: Buffer, o: number, allowEmpty: boolean): { id: string; next: number } | undefined {
  if (buf.length < o + 1) return undefined;
  const len = buf[o]!;
  if (len > MAX_ID || (len === 0 && !allowEmpty)) throw new HandshakeError("malformed", `node id of ${len} bytes`);
  if (buf.length < o + 1 + len) return undefined;
  const id = buf.toString("latin1", o + 1, o + 1 + len);
  if (len > 0 && !isNodeId(id)) throw new HandshakeError("malformed", "not a valid node id");
  return { id, next: o + 1 + len };
}

function checkMagic(buf: Buffer): void {
  const n = Math.min(buf.length, MAGIC.length);
  if (!buf.subarray(0, n).equals(MAGIC.subarray(0, n))) throw new HandshakeError("malformed", "not an Orrery handshake");
  if (buf.length > MAGIC.length && buf[MAGIC.length] !== VERSION) {
    throw new HandshakeError("malformed", `unsupported handshake version ${buf[MAGIC.length]}`);
  }
}

function encodeId(id: string): Buffer {
  if (id.length > MAX_ID) throw new RangeError("node id too long");
  return Buffer.concat([Buffer.from([id.length]), Buffer.from(id, "latin1")]);
}

/** The connecting side. */
export class ClientHandshake {
  private readonly eph = ephemeral();
  private readonly nonce = randomBytes(NONCE);
  private readonly key: ClusterKey;
  private helloBytes: Buffer | undefined;

  constructor(
    keyring: Keyring,
    private readonly selfId: string,
    /** The member the caller means to reach; another node at that address is refused. */
    private readonly expectedPeer: string,
    private readonly wantEncrypt: boolean,
  ) {
    this.key = keyring.primary();
  }

  hello(): Buffer {
    this.helloBytes ??= Buffer.concat([
      MAGIC,
      Buffer.from([VERSION, this.wantEncrypt ? 1 : 0]),
      this.key.idBytes,
      this.nonce,
      this.eph.raw,
      encodeId(this.selfId),
      encodeId(this.expectedPeer),
    ]);
    return this.helloBytes;
  }

  /**
   * Feeds the bytes received so far. Undefined: need more. Otherwise the finish message to send, the
   * session, and how many bytes the ServerHello took (anything after it is already a frame).
   */
  receive(buf: Buffer): { finish: Buffer; session: Session; used: number } | undefined {
    checkMagic(buf);
    if (buf.length < 6) return undefined;
    const status = buf[5]!;
    if (status !== 0) {
      if (buf.length < 7) return undefined;
      const len = Math.min(buf[6]!, MAX_MESSAGE);
      if (buf.length < 7 + len) return undefined;
      const message = buf.toString("utf8", 7, 7 + len);
      const reason = status === RefusalStatus.unknown_key ? "unknown_key" : status === RefusalStatus.wrong_node ? "wrong_node" : "refused";
      throw new HandshakeError(reason, `peer refused the connection: ${message}`);
    }
    const fixed = 6 + 1 + NONCE + PUB;
    if (buf.length < fixed) return undefined;
    const flags = buf[6]!;
    const peerNonce = buf.subarray(7, 7 + NONCE);
    const peerPub = buf.subarray(7 + NONCE, fixed);
    const id = readId(buf, fixed, false);
    if (!id || buf.length < id.next + MAC) return undefined;
    if (id.id !== this.expectedPeer) {
      throw new HandshakeError("wrong_node", `expected node ${this.expectedPeer} at this address, found ${id.id}`);
    }
    const serverHello = buf.subarray(0, id.next);
    const transcript = hash(this.hello(), serverHello);
    if (!this.key.verify("rpc", buf.subarray(id.next, id.next + MAC), Buffer.from("server"), transcript)) {
      throw new HandshakeError("bad_mac", `node ${id.id} could not prove it holds the cluster key (key id ${this.key.id})`);
    }
    void peerNonce; // bound into the transcript
    const { c2s, s2c } = sessionKeys(this.key, sharedSecret(this.eph.privateKey, peerPub), transcript);
    const finish = this.key.mac("rpc", Buffer.from("client"), transcript);
    const encrypt = this.wantEncrypt || (flags & 1) === 1;
    return { finish, used: id.next + MAC, session: { peerId: id.id, keyId: this.key.id, encrypt, sendKey: c2s, recvKey: s2c } };
  }
}

/** The accepting side. */
export class ServerHandshake {
  private readonly eph = ephemeral();
  private readonly nonce = randomBytes(NONCE);
  private pending: { key: ClusterKey; transcript: Buffer; peerId: string; encrypt: boolean; shared: Buffer } | undefined;

  constructor(
    private readonly keyring: Keyring,
    private readonly selfId: string,
    private readonly wantEncrypt: boolean,
  ) {}

  /**
   * Feeds the bytes received so far. Undefined: need more. `reply` goes back to the client; with
   * `refusal` set, the connection must be closed after sending it.
   */
  receiveHello(buf: Buffer): { reply: Buffer; used: number; refusal?: HandshakeError } | undefined {
    checkMagic(buf);
    const fixed = 6 + KEY_ID_BYTES + NONCE + PUB;
    if (buf.length < fixed) return undefined;
    const flags = buf[5]!;
    const keyId = buf.toString("hex", 6, 6 + KEY_ID_BYTES);
    const clientPub = buf.subarray(6 + KEY_ID_BYTES + NONCE, fixed);
    const id = readId(buf, fixed, false);
    if (!id) return undefined;
    const wanted = readId(buf, id.next, true);
    if (!wanted) return undefined;
    const used = wanted.next;
    const key = this.keyring.get(keyId);
    if (!key) {
      const err = new HandshakeError("unknown_key", `node ${id.id} uses a cluster key this node does not hold (key id ${keyId})`);
      return { reply: refusal("unknown_key", "this node does not hold your cluster key"), used, refusal: err };
    }
    if (wanted.id !== "" && wanted.id !== this.selfId) {
      const err = new HandshakeError("wrong_node", `node ${id.id} wanted ${wanted.id}, but this is ${this.selfId}`);
      return { reply: refusal("wrong_node", `this is node ${this.selfId}, not ${wanted.id}`), used, refusal: err };
    }
    const serverHello = Buffer.concat([
      MAGIC,
      Buffer.from([VERSION, 0, this.wantEncrypt ? 1 : 0]),
      this.nonce,
      this.eph.raw,
      encodeId(this.selfId),
    ]);
    const transcript = hash(buf.subarray(0, used), serverHello);
    const mac = key.mac("rpc", Buffer.from("server"), transcript);
    const encrypt = this.wantEncrypt || (flags & 1) === 1;
    this.pending = { key, transcript, peerId: id.id, encrypt, shared: sharedSecret(this.eph.privateKey, clientPub) };
    return { reply: Buffer.concat([serverHello, mac]), used };
  }

  /** The client's finish message; returns the session once its MAC verified. */
  receiveFinish(buf: Buffer): { session: Session; used: number } | undefined {
    const p = this.pending;
    if (!p) throw new HandshakeError("malformed", "finish before hello");
    if (buf.length < MAC) return undefined;
    if (!p.key.verify("rpc", buf.subarray(0, MAC), Buffer.from("client"), p.transcript)) {
      throw new HandshakeError("bad_mac", `node ${p.peerId} could not prove it holds the cluster key (key id ${p.key.id})`);
    }
    const { c2s, s2c } = sessionKeys(p.key, p.shared, p.transcript);
    return { used: MAC, session: { peerId: p.peerId, keyId: p.key.id, encrypt: p.encrypt, sendKey: s2c, recvKey: c2s } };
  }
}

export function refusal(reason: Refusal, message: string): Buffer {
  const text = Buffer.from(message.slice(0, MAX_MESSAGE), "utf8").subarray(0, MAX_MESSAGE);
  return Buffer.concat([MAGIC, Buffer.from([VERSION, RefusalStatus[reason], text.length]), text]);
}
