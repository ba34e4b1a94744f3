// The peer calls of range anti-entropy (replication/manifest-range-sync.ts): the digests of arcs of the ring, and a
// page of an arc's rows. Positions travel as hex (JSON has no 64-bit integer); both ends convert with the helpers
// below and check that an arc is one (from < to <= 2^64) before anything reads it.
import { z } from "zod";
import { versionSchema } from "../metadata/hlc.ts";
import { manifestSchema } from "../metadata/manifest.ts";
import { isCanonicalPath } from "../metadata/path.ts";
import { isPositionRange, type PositionRange, RING_END } from "../metadata/partition.ts";
import type { RangeCursor } from "../metadata/manifest-store.ts";
import type { RangeDigest } from "../metadata/range-digests.ts";

/** Arcs in one digest call. */
export const MAX_DIGEST_RANGES = 64;
/** Rows in one page of an arc. */
export const MAX_RANGE_ROWS = 500;
/** Keys in one page of an arc. */
export const MAX_RANGE_KEYS = 2000;

const HEX = /^[0-9a-f]{1,17}$/;
const positionHex = z.string().regex(HEX);

/** The number a hex string names, or undefined when it is not one (zod runs every check, so refinements meet bad input too). */
function hexValue(s: string): bigint | undefined {
  return HEX.test(s) ? BigInt(`0x${s}`) : undefined;
}
/** An arc on the wire: its bounds in hex. */
export interface WireRange {
  from: string;
  to: string;
}

const wireRange = z
  .strictObject({ from: positionHex, to: positionHex })
  .refine((r) => {
    const [from, to] = [hexValue(r.from), hexValue(r.to)];
    return from !== undefined && to !== undefined && isPositionRange({ from, to });
  }, "an arc of the ring: from < to <= 2^64");
/** A position of a row (below 2^64, unlike an arc's end). */
const position = positionHex.refine((p) => (hexValue(p) ?? RING_END) < RING_END, "a position below 2^64");
const rowPath = z.string().max(1100).refine((p) => p !== "" && isCanonicalPath(p), "a canonical path");
const kind = z.enum(["file", "dir"]);
const wireCursor = z.strictObject({ position, path: rowPath, kind });

export type WireCursor = z.output<typeof wireCursor>;

export const manifestRangeMethods = {
  /** The callee's digest of each arc (ManifestStore.rangeDigest), in the order asked. */
  "manifests.rangeDigests": {
    limits: { request: 64 * 1024, response: 64 * 1024 },
    request: z.strictObject({ ranges: z.array(wireRange).min(1).max(MAX_DIGEST_RANGES) }),
    response: z.strictObject({
      digests: z
        .array(z.strictObject({ count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), hash: z.string().regex(/^[0-9a-f]{16}$/), first: position.optional(), last: position.optional() }))
        .max(MAX_DIGEST_RANGES),
    }),
  },
  /**
   * A page of the keys and versions of the rows (tombstones too) the callee holds in an arc, after a cursor, in
   * (position, path, kind) order (ManifestStore.rangeKeys); `more` when the arc goes on. The caller then asks
   * for the rows it lacks or holds older (manifests.get).
   */
  "manifests.rangeKeys": {
    // An answer: up to MAX_RANGE_KEYS paths of at most 1100 bytes (escaped: twice), with their versions.
    limits: { request: 64 * 1024, response: 6 * 1024 * 1024 },
    request: z.strictObject({ range: wireRange, after: wireCursor.optional(), limit: z.number().int().min(1).max(MAX_RANGE_KEYS) }),
    response: z.strictObject({ keys: z.array(z.strictObject({ path: rowPath, kind, version: versionSchema })).max(MAX_RANGE_KEYS), more: z.boolean() }),
  },
  /**
   * A page of the rows (tombstones too) the callee holds in an arc, after a cursor, in (position, path, kind)
   * order (ManifestStore.rangeRows), cut short once it carries many chunk ids; `more` when the arc goes on.
   */
  "manifests.rangeRows": {
    limits: { request: 64 * 1024, response: 32 * 1024 * 1024 },
    request: z.strictObject({ range: wireRange, after: wireCursor.optional(), limit: z.number().int().min(1).max(MAX_RANGE_ROWS) }),
    response: z.strictObject({ rows: z.array(manifestSchema).max(MAX_RANGE_ROWS), more: z.boolean() }),
  },
} as const;

export function rangeToWire(r: PositionRange): WireRange {
  return { from: r.from.toString(16), to: r.to.toString(16) };
}

export function rangeFromWire(r: WireRange): PositionRange {
  return { from: BigInt(`0x${r.from}`), to: BigInt(`0x${r.to}`) };
}

export function cursorToWire(c: RangeCursor): WireCursor {
  return { position: c.position.toString(16), path: c.path, kind: c.kind };
}

export function cursorFromWire(c: WireCursor): RangeCursor {
  return { position: BigInt(`0x${c.position}`), path: c.path, kind: c.kind };
}

interface WireDigest {
  count: number;
  hash: string;
  first?: string;
  last?: string;
}

export function digestToWire(d: RangeDigest): WireDigest {
  const out: WireDigest = { count: d.count, hash: d.hash.toString(16).padStart(16, "0") };
  if (d.first !== undefined) out.first = d.first.toString(16);
  if (d.last !== undefined) out.last = d.last.toString(16);
  return out;
}

export function digestFromWire(d: WireDigest): RangeDigest {
  const out: RangeDigest = { count: d.count, hash: BigInt(`0x${d.hash}`) };
  if (d.first !== undefined) out.first = BigInt(`0x${d.first}`);
  if (d.last !== undefined) out.last = BigInt(`0x${d.last}`);
  return out;
}
