// Whether a write may start on this node, decided before a byte of it is read: the node has joined its cluster,
// its clock agrees with its peers', it is serving (not resyncing), and enough members are up, with room for new
// chunks where the write makes some. Each refusal is a 503 (or 507) that says nothing was stored.
import { OrreryError } from "../errors.ts";
import type { Durability, Placement } from "../replication/placement.ts";
import { DurabilityError, InsufficientStorageError } from "../replication/write-coordinator.ts";

export interface WriteAdmissionParts {
  placement: Placement;
  /** False while a node given seeds (or remembering peers) has reached none of them (FileSystemComponents.joined). */
  joined?: () => boolean;
  /** Why this node's clock is too far from its peers' to stamp writes (undefined: it is fine). */
  clockProblem?: () => string | undefined;
  /** Why this node must not read or write manifests yet (undefined: serving). */
  notServing?: () => string | undefined;
}

export class WriteAdmission {
  constructor(private readonly c: WriteAdmissionParts) {}

  /**
   * Refuses writes on a node that has not joined its cluster yet (see FileSystemComponents.joined), or whose
   * clock disagrees with its peers' by more than MAX_CLOCK_OFFSET_MS (its versions would be wrongly ordered).
   */
  checkServing(): void {
    const why = this.c.notServing?.();
    if (why) throw new OrreryError(503, "resyncing", why);
  }

  checkJoined(): void {
    if (this.c.joined && !this.c.joined()) {
      throw new OrreryError(503, "not_joined", "this node has not joined its cluster yet (no seed or known peer answered); nothing was stored");
    }
    const clock = this.c.clockProblem?.();
    if (clock) throw new OrreryError(503, "clock_skew", `${clock}; this node refuses writes until its clock is fixed (NTP); nothing was stored`);
    // Last: a node that has not reached its cluster (or whose clock is off) also waits to resync, and the
    // causes above are the ones to fix.
    this.checkServing();
  }

  /**
   * Refuses before a byte is read when too few members are up, or (`newChunks`) have room for new chunks, for
   * copies at `factor` (a folder's; the cluster's by default).
   */
  checkWritable(durability: Durability, opts: { newChunks?: boolean; factor?: number } = {}): void {
    this.checkJoined();
    const { placement } = this.c;
    const required = placement.required(durability, opts.factor);
    const up = placement.ring.size;
    if (up < required) {
      throw new DurabilityError(
        `durability '${durability}' needs ${required} live node(s), only ${up} up; nothing was stored`,
        { required, available: up, stored: "nothing" },
      );
    }
    const writable = placement.writableMembers();
    if (opts.newChunks && writable < required) {
      throw new InsufficientStorageError(
        `durability '${durability}' needs ${required} node(s) with room for new chunks, only ${writable} of ${up} have room (the store is full on ${up - writable}); nothing was stored`,
        { required, available: writable, full: up - writable, stored: "nothing" },
      );
    }
  }
}
