// The SWIM wire format: one JSON message per UDP datagram, validated with zod before any field is used.
// Bounds on every string, number and array keep a hostile datagram from costing more than its parse.
import { z } from "zod";
import { nodeIdSchema } from "../util/node-id.ts";

/** Hard ceiling for one datagram; stays under the 64 KiB UDP limit with room for headers. */
export const MAX_DATAGRAM_BYTES = 60 * 1024;
/** Wire format version; a peer speaking another version gets a clear decode error, not a misreading. */
export const WIRE_VERSION = 1;

const nodeId = nodeIdSchema;
const host = z.string().regex(/^[^\s]{1,255}$/, "host: 1-255 non-space characters");
const port = z.number().int().min(0).max(65535);
// "host:port"; an IPv6 host may be bracketed ("[::1]:4000").
const address = z.string().regex(/^[^\s]{1,255}:\d{1,5}$/, "address: host:port");
const counter = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * Incarnation bounds. A member refutes a claim about itself at incarnation i by announcing i + 1, so a
 * claim must leave it room: claims passed on by others stay at or below RELAY_INCARNATION_LIMIT, and only
 * a member's own announcement may go above it (up to SELF_INCARNATION_LIMIT). A real member never gets
 * near 2^40 (one refutation per second for 35,000 years); a forged or buggy "dead at 2^53" cannot be
 * believed, so it cannot remove a node for good.
 */
export const RELAY_INCARNATION_LIMIT = 2 ** 40;
export const SELF_INCARNATION_LIMIT = 2 ** 40 + 2 ** 20;
const incarnation = z.number().int().min(0).max(SELF_INCARNATION_LIMIT);
/** Largest weight a member may announce: a capacity of 1 PB (config CAPACITY_GB has the same bound). */
export const MAX_WEIGHT = 1e6;

export const memberUpdateSchema = z.object({
  id: nodeId,
  host,
  gossipPort: port,
  httpPort: port,
  transferPort: port,
  zone: z.string().max(64).optional(),
  /** Capacity in GB (ring/vnodes.ts turns it into virtual nodes); 0 for a storage-less gateway. */
  weight: z.number().min(0).max(MAX_WEIGHT),
  /** Present (true) only while the member's store is full. */
  full: z.boolean().optional(),
  /** Present only while the member has not reached its cluster: its founding set's digest (join-gate.ts). */
  joining: z.string().regex(/^[0-9a-f]{16}$/).optional(),
  /** The ring version (16 hex digits) whose owned arcs the member has pulled from their previous owners (ring-sync-plan.ts). */
  ringSynced: z.string().regex(/^[0-9a-f]{16}$/).optional(),
  state: z.enum(["alive", "suspect", "dead", "left"]),
  incarnation,
  /** On a suspicion: who suspects, so independent suspicions confirm each other (Lifeguard). */
  suspectedBy: nodeId.optional(),
});
/** One member's state as gossiped: what it announces about itself plus (state, incarnation). */
export type MemberUpdate = z.infer<typeof memberUpdateSchema>;

const updates = z.array(memberUpdateSchema).max(256);

/** The cluster a node belongs to when none is configured; a message without a cluster name is from it. */
export const DEFAULT_CLUSTER = "orrery";
export const clusterNameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "cluster name: 1-64 of [A-Za-z0-9._-]");

const base = {
  v: z.literal(WIRE_VERSION),
  from: nodeId,
  /** The sender's cluster name; receivers drop messages of another cluster, so two clusters never merge. */
  cluster: clusterNameSchema.optional(),
};

const pingSchema = z.object({
  ...base,
  type: z.literal("ping"),
  seq: counter,
  /** The node id the sender means to reach; a different node now at that address must not answer. */
  to: nodeId,
  updates,
});
const ackSchema = z.object({ ...base, type: z.literal("ack"), seq: counter, updates });
const pingReqSchema = z.object({
  ...base,
  type: z.literal("ping-req"),
  seq: counter,
  to: nodeId,
  toAddr: address,
  /**
   * Lifeguard: the origin wants a nack if the target does not answer the helper in time, so that a missing
   * nack tells it its own messages are being lost. Absent from older nodes, which get no nack.
   */
  nack: z.boolean().optional(),
  updates,
});
/** A helper's word that the target of a ping-req did not answer it in time (only when asked for). */
const nackSchema = z.object({ ...base, type: z.literal("nack"), seq: counter });
const pushPullSchema = z
  .object({
    ...base,
    type: z.literal("push-pull"),
    /** Identifies one state exchange, so a multi-part push is answered once. */
    exchange: counter,
    part: z.number().int().min(0).max(9999),
    parts: z.number().int().min(1).max(10000),
    /** True on a push that asks for the receiver's full state in return. */
    reply: z.boolean(),
    members: z.array(memberUpdateSchema).max(1024),
  })
  .refine((m) => m.part < m.parts, { message: "part must be below parts", path: ["part"] });
const gossipSchema = z.object({ ...base, type: z.literal("gossip"), updates });

/** A ping and its ack also travel over the authenticated peer connection (the TCP fallback probe, rpc "swim.ping"). */
export const pingMessageSchema = pingSchema;
export const ackMessageSchema = ackSchema;
export type PingMessage = z.infer<typeof pingSchema>;
export type AckMessage = z.infer<typeof ackSchema>;

export const swimMessageSchema = z.discriminatedUnion("type", [
  pingSchema,
  ackSchema,
  pingReqSchema,
  nackSchema,
  pushPullSchema,
  gossipSchema,
]);
export type SwimMessage = z.infer<typeof swimMessageSchema>;
export type SwimMessageType = SwimMessage["type"];

/** Room for one push-pull part's member list; the envelope needs far less than the 2 KiB left over. */
const PART_BYTES = MAX_DATAGRAM_BYTES - 2048;
const PART_MEMBERS = 1024;

/** Splits a full member table into push-pull parts that each encode below MAX_DATAGRAM_BYTES. */
export function splitIntoParts(members: MemberUpdate[]): MemberUpdate[][] {
  const parts: MemberUpdate[][] = [[]];
  let used = 0;
  for (const u of members) {
    const bytes = encodedSize(u) + 1;
    const last = parts[parts.length - 1]!;
    if (last.length > 0 && (used + bytes > PART_BYTES || last.length >= PART_MEMBERS)) {
      parts.push([u]);
      used = bytes;
    } else {
      last.push(u);
      used += bytes;
    }
  }
  return parts;
}

export class MalformedMessageError extends Error {
  constructor(message: string) {
    super(`malformed gossip message: ${message}`);
    this.name = "MalformedMessageError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Bytes this value takes as JSON on the wire; the core uses it to size piggy-backs and push-pull parts. */
export function encodedSize(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).byteLength;
}

export function encodeMessage(msg: SwimMessage): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(msg));
  // The core sizes its messages below the limit; reaching this is a bug, not bad input.
  if (bytes.byteLength > MAX_DATAGRAM_BYTES) {
    throw new Error(`gossip message of ${bytes.byteLength} bytes exceeds ${MAX_DATAGRAM_BYTES}`);
  }
  return bytes;
}

export function decodeMessage(bytes: Uint8Array): SwimMessage {
  if (bytes.byteLength === 0) throw new MalformedMessageError("empty datagram");
  if (bytes.byteLength > MAX_DATAGRAM_BYTES) {
    throw new MalformedMessageError(`datagram of ${bytes.byteLength} bytes exceeds ${MAX_DATAGRAM_BYTES}`);
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new MalformedMessageError("not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MalformedMessageError("not valid JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new MalformedMessageError("not a JSON object");
  }
  const rec = json as Record<string, unknown>;
  if (rec.v !== WIRE_VERSION) throw new MalformedMessageError(`unsupported version ${JSON.stringify(rec.v)}`);
  if (!["ping", "ack", "ping-req", "nack", "push-pull", "gossip"].includes(rec.type as string)) {
    throw new MalformedMessageError(`unknown message type ${JSON.stringify(rec.type)?.slice(0, 40)}`);
  }
  const parsed = swimMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "message";
    throw new MalformedMessageError(`${rec.type} ${where}: ${issue.message}`);
  }
  return parsed.data;
}
