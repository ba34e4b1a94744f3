// What the queue worker does with one row, decided from membership and placement alone (pure).
import type { Member } from "../membership/types.ts";

export type QueueAction =
  /** Send the copy now. */
  | { kind: "deliver" }
  /** The target cannot take it now (dead, suspect, unknown yet): retry later. */
  | { kind: "wait"; reason: string }
  /** The copy is no longer wanted: the target left, or no longer owns the chunk. */
  | { kind: "drop"; reason: string };

export function decideQueueRow(target: Member | undefined, owners: readonly string[], selfId: string): QueueAction {
  if (target === undefined) return { kind: "wait", reason: "target not known to membership yet" };
  if (target.id === selfId) return { kind: "drop", reason: "target is this node" };
  if (target.state === "left") return { kind: "drop", reason: "target left the cluster" };
  if (target.state === "dead") return { kind: "wait", reason: "target is dead" };
  // A live target that is no longer an owner: the placement check has queued the new owners.
  if (!owners.includes(target.id)) return { kind: "drop", reason: "target no longer owns the chunk" };
  if (target.state === "suspect") return { kind: "wait", reason: "target is suspect" };
  return { kind: "deliver" };
}
