// Hybrid logical clock: manifest versions that follow wall-clock time, never go backwards and never
// repeat, encoded so that plain string comparison is version order (JS, SQLite and peers agree unparsed).
import { z } from "zod";
import { badRequest } from "../errors.ts";
import { isNodeId, nodeIdSchema } from "../util/node-id.ts";

export { nodeIdSchema };

/**
 * Version format: `wall(12 lowercase hex, ms since epoch) counter(6 lowercase hex) "@" nodeId`,
 * e.g. `018f3a2b4c5d000000@node-1`. Fixed widths make string order = (wall, counter) order, and the
 * node id after the fixed-width part breaks ties, so two nodes never produce equal versions.
 * 48 bits of milliseconds last until the year 10889; 24 bits of counter allow 16.7 M versions per ms.
 */
const WALL_DIGITS = 12;
const COUNTER_DIGITS = 6;
export const MAX_WALL = 2 ** 48 - 1;
export const MAX_COUNTER = 2 ** 24 - 1;

/** How far ahead of our clock a peer's version may be: a bad clock cannot drag ours to the end of time. */
export const DEFAULT_MAX_DRIFT_MS = 60 * 60 * 1000;

const VERSION = /^([0-9a-f]{12})([0-9a-f]{6})@([A-Za-z0-9._-]{1,64})$/;

// Marks maps are keyed by node id, so the shared rule (util/node-id.ts) refuses names plain objects carry.
const usableId = isNodeId;

export const versionSchema = z
  .string()
  .regex(VERSION, "version must be 12 hex digits (ms) + 6 hex digits (counter) + '@' + node id")
  .refine((v) => usableId(v.slice(WALL_DIGITS + COUNTER_DIGITS + 1)), "the version's node id is reserved");

export interface Version {
  wall: number;
  counter: number;
  nodeId: string;
}

export function formatVersion(v: Version): string {
  // Out-of-range parts would widen a field and break string order: a bug, never input to accept.
  if (!(Number.isInteger(v.wall) && v.wall >= 0 && v.wall <= MAX_WALL)) throw new Error(`version wall out of range: ${v.wall}`);
  if (!(Number.isInteger(v.counter) && v.counter >= 0 && v.counter <= MAX_COUNTER)) {
    throw new Error(`version counter out of range: ${v.counter}`);
  }
  return (
    v.wall.toString(16).padStart(WALL_DIGITS, "0") + v.counter.toString(16).padStart(COUNTER_DIGITS, "0") + "@" + v.nodeId
  );
}

/** Parses a version string; throws badRequest("invalid_version") when it is malformed. */
export function parseVersion(version: string): Version {
  const m = typeof version === "string" ? VERSION.exec(version) : null;
  if (!m || !usableId(m[3]!)) throw badRequest("invalid_version", `invalid version: ${String(version).slice(0, 100)}`);
  return { wall: Number.parseInt(m[1]!, 16), counter: Number.parseInt(m[2]!, 16), nodeId: m[3]! };
}

/** Version order (-1, 0, 1): the encoding makes it plain string order. */
export function compareVersions(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface HybridClockInit {
  /** Refuse versions whose wall time is further ahead of ours than this (default 1 h). */
  maxDriftMs?: number;
}

export class HybridClock {
  private wall = 0;
  private counter = 0;
  private readonly maxDriftMs: number;

  constructor(
    readonly nodeId: string,
    private readonly now: () => number = Date.now,
    init: HybridClockInit = {},
  ) {
    if (!usableId(nodeId)) throw new Error(`invalid node id for a clock: ${nodeId}`);
    this.maxDriftMs = init.maxDriftMs ?? DEFAULT_MAX_DRIFT_MS;
  }

  /** A new version, greater than every version this clock issued or observed. */
  tick(): string {
    const physical = this.physical();
    if (physical > this.wall) {
      this.wall = physical;
      this.counter = 0;
    } else if (this.counter < MAX_COUNTER) {
      this.counter++;
    } else {
      // 16.7 M versions within one millisecond: borrow the next millisecond rather than repeat.
      this.wall++;
      this.counter = 0;
    }
    return formatVersion({ wall: this.wall, counter: this.counter, nodeId: this.nodeId });
  }

  /**
   * Takes a peer's version into account so that our next version is greater (a write that causally
   * follows a remote one always wins over it). Throws badRequest("clock_skew") for a version more than
   * maxDriftMs ahead of our wall clock, without changing the clock.
   */
  observe(version: string): void {
    const v = parseVersion(version);
    this.checkDrift(v);
    this.advanceTo(v);
  }

  /** Throws like observe() would, without changing the clock: lets a store vet a batch before writing. */
  check(version: string): void {
    this.checkDrift(parseVersion(version));
  }

  /**
   * Advances past a version that was already accepted earlier (a row in our own table), skipping the
   * drift check: such a version was within bounds when it arrived, even if our clock has since gone back.
   */
  restore(version: string): void {
    this.advanceTo(parseVersion(version));
  }

  /** The last version issued or observed (a zero version before any). */
  last(): string {
    return formatVersion({ wall: this.wall, counter: this.counter, nodeId: this.nodeId });
  }

  private physical(): number {
    return Math.min(MAX_WALL, Math.max(0, Math.floor(this.now())));
  }

  private checkDrift(v: Version): void {
    const now = this.physical();
    if (v.wall > now + this.maxDriftMs) {
      throw badRequest(
        "clock_skew",
        `version from ${v.nodeId} is ${v.wall - now} ms ahead of this node's clock (limit ${this.maxDriftMs} ms); check NTP on both nodes`,
        { nodeId: v.nodeId, wall: v.wall, now, maxDriftMs: this.maxDriftMs },
      );
    }
  }

  private advanceTo(v: Version): void {
    // Equal (wall, counter) with another node id is fine: our next tick increments the counter.
    if (v.wall > this.wall || (v.wall === this.wall && v.counter > this.counter)) {
      this.wall = v.wall;
      this.counter = v.counter;
    }
  }
}
