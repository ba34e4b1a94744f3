// Which keys below a folder have kept versions, read from the members rather than this node's rows: a key's
// versions live in `.orrery-versions/<key>`, a partition of its own, so the keys of one bucket are spread over
// the whole ring and no one owner set can list them. Every storing member answers the folders it holds (one
// call each per page); what they answer together holds every row written at quorum while enough of them answer.
import { OrreryError } from "../errors.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import { compareNames } from "../metadata/path.ts";
import { callMany } from "../rpc/call-many.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { Placement } from "./placement.ts";

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
   * passed over. 503 when the members that answered are not a read quorum of every partition's owners
   * (Placement.readsEveryPartition): a key whose versions only the others hold could be missing.
   */
  async page(root: string, from: string, limit: number): Promise<DirsPage> {
    const { selfId, manifests, placement, rpc } = this.c;
    const answers = [manifests.parentsBelow(root, from, limit)];
    // Every member of the current and the recent rings (Placement.partitionHolders), the dead ones not called.
    const peers = placement.partitionHolders().filter((id) => id !== selfId && placement.member(id)?.state !== "dead");
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
      // A key's versions are a partition of their own: the answers must hold a read quorum of every partition's
      // owners, under the current ring and the recent ones (the rule of a name search, cluster-search.ts).
      if (!placement.readsEveryPartition((id) => id === selfId || result.ok.has(id))) {
        const missing = peers.filter((id) => !result.ok.has(id));
        throw new OrreryError(
          503,
          "read_quorum_unreachable",
          `the keys with kept versions below /${root} are spread over every member; ${missing.length} of them did not answer, too many for a read quorum of every partition`,
          { missing: missing.slice(0, 16), answered: result.ok.size + 1 },
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
