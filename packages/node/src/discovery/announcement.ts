// The LAN discovery wire format: one UDP datagram per announcement, "I am node X of cluster C, my
// gossip port is at host:port". A 5-byte header (magic "ORDS", version) lets a node drop foreign
// traffic on the discovery port before parsing; the body is JSON checked by zod, and the whole datagram
// is size-checked first, so a hostile datagram costs no more than its bounded parse.
import { z } from "zod";
import { clusterNameSchema } from "../membership/messages.ts";
import { nodeIdSchema } from "../util/node-id.ts";

/** "ORDS": ORrery DiScovery. */
export const ANNOUNCEMENT_MAGIC = new Uint8Array([0x4f, 0x52, 0x44, 0x53]);
export const ANNOUNCEMENT_VERSION = 1;
const HEADER_BYTES = ANNOUNCEMENT_MAGIC.length + 1;
/** Far more than a real announcement needs (about 150 bytes), far less than one Ethernet frame. */
export const MAX_ANNOUNCEMENT_BYTES = 512;

const nodeId = nodeIdSchema;
// A name (compose service names may have "_") or an IP literal as the node advertises it; no spaces,
// brackets or slashes, so it always forms a valid "host:port" gossip address.
const host = z.string().regex(/^[\w.:%-]{1,253}$/, "host: 1-253 of [A-Za-z0-9_.:%-]");
const port = z.number().int().min(1).max(65535);

export const announcementSchema = z.object({
  cluster: clusterNameSchema,
  id: nodeId,
  /** The node's advertised address and gossip (SWIM) port: what a listener joins. */
  host,
  gossipPort: port,
  /** For logs and operators: where the node's HTTP API is. */
  httpPort: port,
});
export type Announcement = z.infer<typeof announcementSchema>;

export class MalformedAnnouncementError extends Error {
  constructor(message: string) {
    super(`malformed discovery announcement: ${message}`);
    this.name = "MalformedAnnouncementError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeAnnouncement(a: Announcement): Uint8Array {
  const body = encoder.encode(JSON.stringify(announcementSchema.parse(a)));
  // The schema bounds every field well below the limit; reaching this is a bug, not bad input.
  if (HEADER_BYTES + body.byteLength > MAX_ANNOUNCEMENT_BYTES) {
    throw new Error(`announcement of ${HEADER_BYTES + body.byteLength} bytes exceeds ${MAX_ANNOUNCEMENT_BYTES}`);
  }
  const out = new Uint8Array(HEADER_BYTES + body.byteLength);
  out.set(ANNOUNCEMENT_MAGIC, 0);
  out[ANNOUNCEMENT_MAGIC.length] = ANNOUNCEMENT_VERSION;
  out.set(body, HEADER_BYTES);
  return out;
}

/** True when the datagram starts with our magic: worth decoding (and, if broken, worth a warning). */
export function looksLikeAnnouncement(bytes: Uint8Array): boolean {
  return bytes.byteLength >= ANNOUNCEMENT_MAGIC.length && ANNOUNCEMENT_MAGIC.every((b, i) => bytes[i] === b);
}

export function decodeAnnouncement(bytes: Uint8Array): Announcement {
  if (bytes.byteLength > MAX_ANNOUNCEMENT_BYTES) {
    throw new MalformedAnnouncementError(`${bytes.byteLength} bytes exceeds ${MAX_ANNOUNCEMENT_BYTES}`);
  }
  if (!looksLikeAnnouncement(bytes)) throw new MalformedAnnouncementError("bad magic");
  if (bytes.byteLength < HEADER_BYTES + 2) throw new MalformedAnnouncementError(`${bytes.byteLength} bytes is too short`);
  const version = bytes[ANNOUNCEMENT_MAGIC.length];
  if (version !== ANNOUNCEMENT_VERSION) throw new MalformedAnnouncementError(`unsupported version ${version}`);
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes.subarray(HEADER_BYTES)));
  } catch {
    throw new MalformedAnnouncementError("body is not UTF-8 JSON");
  }
  const parsed = announcementSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "body";
    throw new MalformedAnnouncementError(`${where}: ${issue.message}`);
  }
  return parsed.data;
}
