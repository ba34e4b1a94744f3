// How many copies a file kept in its manifest row has (metadata/inline-content.ts): as many as its manifest
// owners holding this version of the row or a newer one, asked as a quorum read asks them. No chunk to count.
import { errorMessage } from "../errors.ts";
import { compareVersions } from "../metadata/hlc.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { Placement } from "./placement.ts";
import type { ReplicaHealth } from "./replica-health.ts";

export async function inlineHealth(
  file: Manifest,
  c: { selfId: string; placement: Placement; manifests: ManifestStore; rpc: PeerRpc },
): Promise<ReplicaHealth> {
  const [current] = c.placement.manifestOwnerSets(file.path);
  const holds = (row: Manifest | null | undefined) => row != null && row.kind === file.kind && compareVersions(row.version, file.version) >= 0;
  const unreachable: Record<string, string> = Object.create(null);
  const held = await Promise.all(
    [...current!.owners].map(async (owner) => {
      if (owner === c.selfId) return holds(c.manifests.get(file.path, file.kind));
      if (!c.placement.member(owner)) return false;
      try {
        const { rows } = await c.rpc.call(owner, "manifests.get", { paths: [file.path] });
        return rows.some(holds);
      } catch (err) {
        unreachable[owner] = errorMessage(err);
        return false;
      }
    }),
  );
  const n = current!.factor;
  const copies = held.filter(Boolean).length;
  return { chunks: [], replicationFactor: n, minCopies: copies, underReplicated: copies < n, unreachable };
}
