// Which keys below a folder have kept versions, read from the members rather than this node's rows: a key's
// versions live in `.orrery-versions/<key>`, a partition of its own, so the keys of one bucket are spread over
// the whole ring and no one owner set can list them. Every storing member answers the folders it holds (one
// call each per page); what they answer together holds every row written at quorum while enough of them answer.
import { OrreryError } from "../errors.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { compareNames } from "../metadata/path.ts";
import { storesChunks } from "../membership/types.ts";
import { callMany } from "../rpc/call-many.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { majority, type Placement } from "./placement.ts";

export interface VersionedDirsComponents {
  selfId: string;
  manifests: ManifestStore;
  placement: Placement;
  rpc: PeerRpc;
}

export interface DirsPage {
  /** Folders below the root that hold rows, in code point order (ManifestStore.parentsBelow). */
  dirs: string[];
  /** Nothing follows the last of them. */
  done: boolean;
}

export class VersionedDirs {
  constructor(private readonly c: VersionedDirsComponents) {}

  /**
   * The folders below `root` that hold rows on any member, from `from` (inclusive), at most `limit`. A page of
   * each member's is cut at the smallest last folder of those that were full, so no member's later folders are
   * passed over. 503 when more members are dead or silent than a quorum write can leave out: a key whose
   * versions only they hold would be missing.
   */
  async page(root: string, from: string, limit: number): Promise<DirsPage> {
    const { selfId, manifests, placement, rpc } = this.c;
    const answers = [manifests.parentsBelow(root, from, limit)];
    const peers = placement.ring.memberIds.filter((id) => id !== selfId);
    const onRing = new Set(placement.ring.memberIds);
    const dead = placement.members().filter((m) => m.state === "dead" && storesChunks(m) && !onRing.has(m.id)).length;
    const n = placement.effectiveReplicationFactor();
    // A row acknowledged at quorum is held by a majority of its n owners: all but n − majority of them may be missing.
    const spare = n - majority({ owners: [], factor: n }, true);
    if (peers.length > 0) {
      const inRange = (dirs: string[]) => dirs.every((d, i) => d.startsWith(`${root}/`) && compareNames(d, from) >= 0 && (i === 0 || compareNames(dirs[i - 1]!, d) < 0));
      const result = await callMany(
        peers,
        async (id) => {
          const { parents } = await rpc.call(id, "manifests.parents", { dir: root, from, limit });
          if (parents.length > limit || !inRange(parents)) throw new Error(`${id} answered folders out of order or outside ${root}`);
          return parents;
        },
        // Every answer counts (a number would give up on the rest at the first failure): resolved once all settled.
        { quorum: (ok) => ok.size === peers.length, graceMs: 0 },
      );
      const missing = dead + peers.length - result.ok.size;
      if (missing > spare) {
        throw new OrreryError(
          503,
          "read_quorum_unreachable",
          `the keys with kept versions below /${root} are spread over every member; ${missing} of them did not answer (dead or unreachable), at most ${spare} may`,
          { required: peers.length + 1 - spare, answered: result.ok.size + 1 },
        );
      }
      answers.push(...result.ok.values());
    }
    return mergePages(answers, limit);
  }
}

/** The union of sorted pages of at most `limit`, up to the smallest last entry of a full page (pure). */
export function mergePages(pages: readonly string[][], limit: number): DirsPage {
  let cut: string | undefined;
  for (const p of pages) {
    const last = p[p.length - 1];
    if (p.length >= limit && last !== undefined && (cut === undefined || compareNames(last, cut) < 0)) cut = last;
  }
  const union = [...new Set(pages.flat())].filter((d) => cut === undefined || compareNames(d, cut) <= 0).sort(compareNames);
  return { dirs: union.slice(0, limit), done: cut === undefined && union.length <= limit };
}
