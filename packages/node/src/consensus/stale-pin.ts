// The version at which a node applies a Paxos decision that its proposer never applied (conditional-writes.ts
// hands such a value to `onStale`): pure.
import { formatVersion, parseVersion } from "../metadata/hlc.ts";
import { type Manifest, rowKey } from "../metadata/manifest.ts";

/**
 * The decided row's own time under this node's id (a row's version names its writer: delta sync counts rows
 * per origin), as a pin for the commit (manifest-commit.ts: committed at exactly that version, and not at all
 * where a newer row is already held). Any later decision built on the value was stamped above the decided
 * version, so it stays above this one too; applied at a fresh version instead, by a node whose clock runs
 * ahead, the value overwrote such a decision (simulator case stale-apply). Only when another node's row
 * carries the very same time and a larger id does the pin fall below a row the value is newer than; the value
 * then stays unapplied here, as if moved past.
 */
export function staleApplyPin(row: Manifest, selfId: string): ReadonlyMap<string, string> {
  const { wall, counter } = parseVersion(row.version);
  return new Map([[rowKey(row), formatVersion({ wall, counter, nodeId: selfId })]]);
}
