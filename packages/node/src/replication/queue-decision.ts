// What the queue worker does with one row, decided from membership and placement alone (pure).
import type { Member } from "../membership/types.ts";

export type QueueAction =
  /** Send the copy now. */
  | { kind: "deliver" }
  /** The target cannot take it now (dead, suspect, unknown yet): retry later. */
  | { kind: "wait"; reason: string }
  /**
   * The copy is no longer wanted there: the target left, or no longer owns the chunk. `redirect`: the
   * target is full, so the copy goes to the chunk's current owners instead (the member that took its place).
   */
  | { kind: "drop"; reason: string; redirect?: boolean };

export function decideQueueRow(target: Member | undefined, owners: readonly string[], selfId: string): QueueAction {
  if (target === undefined) return { kind: "wait", reason: "target not known to membership yet" };
  if (target.id === selfId) return { kind: "drop", reason: "target is this node" };
  if (target.state === "left") return { kind: "drop", reason: "target left the cluster" };
  if (target.state === "dead") return { kind: "wait", reason: "target is dead" };
  // A full target is passed over by placement: the next member on the ring owns the chunk in its place, and
  // waiting for room could take forever while that member has some now.
  if (target.full && !owners.includes(target.id)) {
    return { kind: "drop", reason: "target is full; the chunk's next owner takes the copy", redirect: true };
  }
  // A live target that is no longer an owner: the placement check has queued the new owners.
  if (!owners.includes(target.id)) return { kind: "drop", reason: "target no longer owns the chunk" };
  if (target.state === "suspect") return { kind: "wait", reason: "target is suspect" };
  return { kind: "deliver" };
}
