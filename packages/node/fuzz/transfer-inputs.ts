// Inputs for the transfer (TCP) port: whole connections of garbage or broken handshakes from outsiders,
// and frames a member (holding the key, past the handshake) could send when buggy: broken headers, chunks
// whose bytes do not match their id, reads of random ids, RPC bodies the method's schema refuses, unknown
// methods, non-JSON bodies. No valid PUT and no RPC the node would act on is ever produced.
import { createHash } from "node:crypto";
import { jsonMethods, type JsonMethod } from "../src/rpc/methods.ts";
import { ClusterKey } from "../src/security/cluster-key.ts";
import { ClientHandshake } from "../src/security/handshake.ts";
import { Keyring } from "../src/security/keyring.ts";
import { encodeHead, FrameType, HEADER_SIZE, ID_SIZE, MAX_HAS_IDS, MAX_METHOD, MAX_RPC_BODY } from "../src/transfer/frames.ts";
import { type Json, mutateBytes, mutateJson, mutateJsonText } from "./mutate.ts";
import type { Rng } from "./rng.ts";

/** The fuzzer's node id in handshakes: a valid id that is no member's. */
export const FUZZER_ID = "fuzzer";
/** Where any path in a generated request points: never the baseline folder. */
export const SCRATCH = "fuzz-scratch";

export const CONNECTION_FAMILIES = {
  /** Random bytes instead of a handshake, some behind the handshake magic. */
  "tcp.random": 3,
  /** The real ClientHello, mutated. */
  "tcp.hello-mutated": 4,
  /** A real ClientHello, then a finish message that is not the MAC. */
  "tcp.bad-finish": 1,
  /** A real ClientHello asking for another node, or signed with a key the cluster does not hold. */
  "tcp.wrong-peer": 1,
  /** Chunk frames straight away, without a handshake. */
  "tcp.no-handshake": 1,
} as const;
export type ConnectionFamily = keyof typeof CONNECTION_FAMILIES;

export const FRAME_FAMILIES = {
  "frame.get": 14,
  "frame.has": 10,
  "frame.put-mismatch": 12,
  "frame.rpc-invalid": 30,
  "frame.rpc-unknown": 8,
  "frame.rpc-garbage": 3,
  "frame.bad-header": 3,
  "frame.truncated": 1,
} as const;
export type FrameFamily = keyof typeof FRAME_FAMILIES | "record.garbage";

/**
 * What the server does with a frame: answers it and reads on, closes the connection after an ERROR
 * frame (or, for a broken record, without one), or waits for bytes that never come.
 */
export type FrameFate = "answered" | "closes" | "stalls";

export interface FrameInput {
  family: FrameFamily;
  bytes: Uint8Array;
  fate: FrameFate;
  /** Written under the record layer's feet (encrypted channels only): not a record at all. */
  raw?: boolean;
}

export interface ConnectionInput {
  family: ConnectionFamily;
  /** The first bytes written. */
  hello: Uint8Array;
  /** Written once the server answered (a finish that is not the MAC), if any. */
  finish?: Uint8Array;
}

/** The largest RPC body the fuzzer makes (see invalidBody). */
const MAX_BODY = 256 * 1024;
/**
 * The largest mismatching PUT sent. A node takes chunks up to the ceiling of the chunk size setting (64 MiB),
 * streamed to a tmp file and hashed as they arrive; a larger mismatch exercises nothing a 1 MiB one does not,
 * and costs the fuzzer that many random bytes. Frames announcing more than the ceiling are the header family's.
 */
const MAX_PUT = 1024 * 1024;
const FOREIGN_KEY = new ClusterKey("fuzz-outsider-key-that-no-member-holds-0000");
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export class ConnectionInputs {
  private readonly keyring: Keyring;

  constructor(
    private readonly rng: Rng,
    clusterKey: string,
  ) {
    this.keyring = Keyring.of(new ClusterKey(clusterKey));
  }

  next(target: string, others: readonly string[]): ConnectionInput {
    const rng = this.rng;
    const family = rng.weighted(CONNECTION_FAMILIES);
    const hello = () => new ClientHandshake(this.keyring, FUZZER_ID, target, rng.chance(0.5)).hello();
    switch (family) {
      case "tcp.random": {
        const body = rng.bytes(rng.size(1024));
        const prefix = rng.pick([[], [0x4f, 0x52, 0x48, 0x53], [0x4f, 0x52, 0x48, 0x53, 0x01]]);
        return { family, hello: Uint8Array.from([...prefix, ...body]) };
      }
      case "tcp.hello-mutated": {
        const h = new Uint8Array(hello());
        // Sometimes a low-order X25519 point (all zero), which a careless Diffie-Hellman would accept.
        if (rng.chance(0.2)) h.fill(0, 6 + 8 + 32, 6 + 8 + 32 + 32);
        else return { family, hello: mutateBytes(rng, h, 600), finish: rng.chance(0.5) ? rng.bytes(32) : undefined };
        return { family, hello: h, finish: rng.bytes(32) };
      }
      case "tcp.bad-finish":
        return { family, hello: hello(), finish: rng.chance(0.8) ? rng.bytes(32) : rng.bytes(rng.int(33, 600)) };
      case "tcp.wrong-peer": {
        const foreign = rng.chance(0.5);
        const wanted = foreign ? target : (others.length > 0 ? rng.pick(others) : "someone-else");
        const ring = foreign ? Keyring.of(FOREIGN_KEY) : this.keyring;
        return { family, hello: new ClientHandshake(ring, FUZZER_ID, wanted, false).hello(), finish: rng.bytes(32) };
      }
      case "tcp.no-handshake": {
        const id = rng.hex(32);
        const get = encodeHead(FrameType.GET_CHUNK, 1, ID_SIZE, ID_SIZE);
        get.set(Buffer.from(id, "hex"), HEADER_SIZE);
        return { family, hello: get };
      }
    }
  }
}

/**
 * Valid-shaped requests per JSON method, mutated until the method's schema refuses them. A method added
 * to rpc/methods.ts later starts from {} until it gets a template here (its schema still does the refusing).
 */
function templates(rng: Rng, members: readonly string[]): Partial<Record<string, Json>> {
  const id = rng.pick(members);
  const version = `${rng.hex(6)}${rng.hex(3)}@${id}`;
  return {
    "manifests.push": {
      entries: [
        { path: `${SCRATCH}/${rng.hex(4)}`, kind: "file", deleted: true, size: 0, sha256: null, chunkSize: 0, chunks: [], mtime: 0, version, origin: id, seq: 1 + rng.below(1000) },
      ],
    },
    "manifests.sync": { marks: Object.fromEntries(members.map((m) => [m, rng.below(100)])) },
    "chunks.digests": { ring: rng.hex(8) },
    "chunks.ids": { ring: rng.hex(8), ranges: [rng.below(256), rng.below(256)] },
    "node.status": {},
    "keys.list": {},
    "keys.install": { key: "fuzz-never-a-valid-key-because-it-is-mutated-0001" },
    "keys.use": { keyId: rng.hex(8) },
    "keys.remove": { keyId: rng.hex(8) },
  };
}

export class FrameInputs {
  /** Candidate RPC bodies the schema accepted, so they were not sent. */
  validSkipped = 0;
  private requestId = 1;

  constructor(
    private readonly rng: Rng,
    private readonly members: readonly string[],
    /** Ids of chunks the cluster holds (baseline files): GET/HAS of them are reads, a PUT of them must mismatch. */
    private readonly chunkIds: readonly string[],
    /** The largest chunk the nodes accept (MAX_CHUNK_SIZE_BYTES): a PUT announcing more is refused at its header. */
    private readonly maxChunkSize: number,
  ) {}

  next(encrypted: boolean): FrameInput {
    const rng = this.rng;
    if (encrypted && rng.chance(0.01)) return { family: "record.garbage", bytes: rng.bytes(rng.int(1, 300)), fate: "closes", raw: true };
    const family = rng.weighted(FRAME_FAMILIES);
    const rid = this.requestId++ >>> 0;
    switch (family) {
      case "frame.get": {
        const out = encodeHead(FrameType.GET_CHUNK, rid, ID_SIZE, ID_SIZE);
        out.set(this.anId(0.1), HEADER_SIZE);
        return { family, bytes: out, fate: "answered" };
      }
      case "frame.has": {
        const n = rng.chance(0.01) ? MAX_HAS_IDS : rng.size(200);
        const out = encodeHead(FrameType.HAS, rid, n * ID_SIZE, n * ID_SIZE);
        for (let i = 0; i < n; i++) out.set(this.anId(0.2), HEADER_SIZE + i * ID_SIZE);
        return { family, bytes: out, fate: "answered" };
      }
      case "frame.put-mismatch": {
        const data = rng.bytes(rng.chance(0.005) ? rng.int(1, Math.min(this.maxChunkSize, MAX_PUT)) : rng.size(4096));
        let id = this.anId(0.3);
        if (Buffer.from(id).toString("hex") === sha256(data)) id = Buffer.from(sha256(Uint8Array.of(...data, 1)), "hex");
        const out = encodeHead(FrameType.PUT_CHUNK, rid, ID_SIZE + data.byteLength, ID_SIZE + data.byteLength);
        out.set(id, HEADER_SIZE);
        out.set(data, HEADER_SIZE + ID_SIZE);
        return { family, bytes: out, fate: "answered" };
      }
      case "frame.rpc-invalid": {
        const method = rng.pick(Object.keys(jsonMethods) as JsonMethod[]);
        return { family, bytes: this.rpcFrame(rid, method, this.invalidBody(method)), fate: "answered" };
      }
      case "frame.rpc-unknown": {
        const method = rng.pick(["manifests.delete", "chunk.put", "keys.export", "node.stop", "a", `x${rng.hex(10)}`, "hasOwnProperty", "constructor", "toString", "valueOf"]);
        const body = rng.pick<Json>([{}, null, [], { key: "x" }, 42]);
        return { family, bytes: this.rpcFrame(rid, method, JSON.stringify(body)), fate: "answered" };
      }
      case "frame.rpc-garbage":
        return { family, bytes: this.garbageRpc(rid), fate: "closes" };
      case "frame.bad-header":
        return { family, bytes: this.badHeader(rid), fate: "closes" };
      case "frame.truncated": {
        const whole = rng.chance(0.5) ? this.next(false).bytes : this.rpcFrame(rid, "node.status", "{\"x\":1}");
        if (whole.byteLength <= 1) return { family, bytes: encodeHead(FrameType.GET_CHUNK, rid, ID_SIZE).subarray(0, 5), fate: "stalls" };
        return { family, bytes: whole.subarray(0, rng.int(1, whole.byteLength - 1)), fate: "stalls" };
      }
    }
  }

  /** A random id, or (with probability p) one of a stored chunk. */
  private anId(p: number): Uint8Array {
    if (this.chunkIds.length > 0 && this.rng.chance(p)) return Buffer.from(this.rng.pick(this.chunkIds), "hex");
    return this.rng.chance(0.05) ? new Uint8Array(ID_SIZE).fill(this.rng.pick([0, 0xff])) : this.rng.bytes(ID_SIZE);
  }

  /**
   * A JSON body for `method` that its request schema refuses (checked with that schema), of at most
   * MAX_BODY bytes: a member may send up to 32 MiB, and the node holds and parses all of it, so bodies that
   * large only measure the allocator (RSS jumps by a few hundred MiB and falls back when idle). Sizes up to
   * the limit are tried by the header family instead, which announces more than the limit.
   */
  invalidBody(method: JsonMethod): string {
    const rng = this.rng;
    for (let tries = 0; tries < 20; tries++) {
      const template = templates(rng, this.members)[method] ?? {};
      const text = rng.chance(0.8) ? JSON.stringify(mutateJson(rng, template)) : mutateJsonText(rng, JSON.stringify(template));
      if (text.length > MAX_BODY) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue; // not JSON: the rpc-garbage family's business
      }
      if (!jsonMethods[method].request.safeParse(parsed).success) return text;
      this.validSkipped++;
    }
    return JSON.stringify({ fuzz: "refused by every strict schema" });
  }

  /** An RPC frame (the layout of encodeRpc) carrying this method and this JSON text as it is. */
  private rpcFrame(rid: number, method: string, json: string): Uint8Array {
    const name = Buffer.from(method, "latin1");
    const body = Buffer.from(json, "utf8");
    const length = 1 + name.byteLength + body.byteLength;
    const out = encodeHead(FrameType.RPC, rid, length, length);
    out[HEADER_SIZE] = name.byteLength;
    out.set(name, HEADER_SIZE + 1);
    out.set(body, HEADER_SIZE + 1 + name.byteLength);
    return out;
  }

  /** An RPC frame the parser refuses: a bad method name, or a body that is not UTF-8 JSON. */
  private garbageRpc(rid: number): Uint8Array {
    const rng = this.rng;
    let method: Uint8Array;
    let body: Uint8Array;
    if (rng.chance(0.5)) {
      method = Buffer.from(rng.pick(["node.status", "manifests.sync", "keys.list"]), "latin1");
      body = rng.chance(0.5) ? rng.bytes(rng.size(500)) : Buffer.from(rng.pick(["{", "{\"a\":", "\u0000", "[1,2", "nul", "{}}", "\"\\u12\""]));
      if (body.byteLength === 0) body = Buffer.from("{");
    } else {
      method = rng.pick([new Uint8Array(0), Buffer.from("Node.Status"), Buffer.from("node status"), Buffer.from("1abc"), Buffer.from("x".repeat(MAX_METHOD + 1)), rng.bytes(rng.int(1, 64))]);
      body = Buffer.from("{}");
    }
    const len = rng.chance(0.1) ? rng.int(0, 255) : method.byteLength;
    const payload = Uint8Array.from([len & 0xff, ...method, ...body]);
    const out = encodeHead(FrameType.RPC, rid, payload.byteLength, payload.byteLength);
    out.set(payload, HEADER_SIZE);
    return out;
  }

  /** A 12-byte header the decoder refuses, with some bytes after it. */
  private badHeader(rid: number): Uint8Array {
    const rng = this.rng;
    const h = encodeHead(FrameType.GET_CHUNK, rid, ID_SIZE);
    switch (rng.below(7)) {
      case 0:
        h[0] = rng.pick([0x00, 0x4e, 0xff, 0x52]);
        break;
      case 1:
        h[2] = rng.pick([0, 2, 0xff]);
        break;
      case 2: // a response type, or one that does not exist
        h[3] = rng.pick([0x00, 0x05, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xfe, 0xff]);
        break;
      case 3: // GET with a length other than 32
        h.writeUInt32BE(rng.pick([0, 31, 33, 0xffffffff]), 8);
        break;
      case 4: // PUT longer than the largest chunk
        h[3] = FrameType.PUT_CHUNK;
        h.writeUInt32BE(rng.pick([ID_SIZE + this.maxChunkSize + 1, 0xffffffff, ID_SIZE - 1]), 8);
        break;
      case 5: // HAS not a whole number of ids, or too many
        h[3] = FrameType.HAS;
        h.writeUInt32BE(rng.pick([1, 33, ID_SIZE * (MAX_HAS_IDS + 1)]), 8);
        break;
      default: // RPC shorter than its minimum or longer than its maximum
        h[3] = FrameType.RPC;
        h.writeUInt32BE(rng.pick([0, 1, 2 + MAX_METHOD + MAX_RPC_BODY, 0xffffffff]), 8);
    }
    return Uint8Array.from([...h, ...rng.bytes(rng.size(64))]);
  }
}
