// A name search across the cluster: every member of the ring answers from its own rows, tombstones too, and the
// answers are merged row by row (the newest version of each path's file and folder wins, a deletion included), so
// a match written through any node is found from any node once its write was acknowledged at quorum. A search
// reads at any depth, so no set of owners answers for it: manifests are pushed to their folder's owners only, and
// a node that owns none of the folders searched held the match only after anti-entropy (and, once a node keeps only
// the partitions it owns, never). The answers count only when they hold a read quorum of every partition's owners
// under each recent ring (Placement.readsEveryPartition); otherwise 503, as a quorum read answers.
import { errorMessage, OrreryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { compareVersions } from "../metadata/hlc.ts";
import { compareNames } from "../metadata/path.ts";
import { cutSearchPage, type SearchHit, searchSkips } from "../metadata/name-search.ts";
import { callMany } from "../rpc/call-many.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { Placement } from "./placement.ts";

export interface ClusterSearchComponents {
  placement: Placement;
  rpc: PeerRpc;
  log: Logger;
}

export interface SearchPage {
  rows: SearchHit[];
  more: boolean;
  /** With `more`: the `after` of the next page. */
  next?: string;
}

/** One member's answer: its matches after `after` in (path, kind) order, and whether its page was cut. */
export interface SearchAnswer {
  hits: readonly SearchHit[];
  more: boolean;
}

/** Rounds of asking every member one page searches at most before it answers what it found with `more`. */
export const MAX_SEARCH_ROUNDS = 8;

const compareHits = (a: SearchHit, b: SearchHit) => compareNames(a.path, b.path) || (a.kind === b.kind ? 0 : a.kind === "dir" ? -1 : 1);

/**
 * Merges one round of answers: every row up to the earliest point where a member's page was cut (that member
 * may hold more beyond it; every member's rows up to it are all there), newest version per (path, kind), in
 * order, deletions included. `resumeAfter`: where the next round starts, when some member's page was cut.
 */
export function mergeSearchAnswers(answers: readonly SearchAnswer[]): { hits: SearchHit[]; resumeAfter?: string } {
  let cutoff: string | undefined;
  for (const a of answers) {
    const last = a.hits.at(-1);
    if (a.more && last && (cutoff === undefined || compareNames(last.path, cutoff) < 0)) cutoff = last.path;
  }
  const newest = new Map<string, SearchHit>();
  for (const a of answers) {
    for (const hit of a.hits) {
      if (cutoff !== undefined && compareNames(hit.path, cutoff) > 0) continue;
      const key = `${hit.kind}:${hit.path}`;
      const held = newest.get(key);
      if (!held || compareVersions(hit.version, held.version) > 0) newest.set(key, hit);
    }
  }
  return { hits: [...newest.values()].sort(compareHits), ...(cutoff === undefined ? {} : { resumeAfter: cutoff }) };
}

/** A page of the live files and folders below `dir` whose name holds `text`, as the cluster's rows have them. */
export async function searchCluster(c: ClusterSearchComponents, dir: string, text: string, page: { after?: string; limit: number }): Promise<SearchPage> {
  const live: SearchHit[] = [];
  let after = page.after;
  for (let round = 0; round < MAX_SEARCH_ROUNDS; round++) {
    const merged = mergeSearchAnswers(await askEveryMember(c, { dir, text, after, limit: page.limit }));
    live.push(...merged.hits.filter((h) => !h.deleted));
    const complete = merged.resumeAfter === undefined;
    if (complete || live.length > page.limit) {
      const cut = cutSearchPage(live, page.limit);
      const more = cut.more || !complete;
      return { rows: cut.rows, more, ...(more ? { next: cut.rows.at(-1)?.path ?? merged.resumeAfter } : {}) };
    }
    after = merged.resumeAfter;
  }
  return { rows: live, more: true, next: after };
}

/** Every ring member's page (this node's own by a local call); a 503 unless they make a quorum of every partition. */
async function askEveryMember(c: ClusterSearchComponents, request: { dir: string; text: string; after?: string; limit: number }): Promise<SearchAnswer[]> {
  // A member known dead counts as not answering without a call (its connect timeout would hold every search).
  const members = c.placement.partitionHolders().filter((id) => c.placement.member(id)?.state !== "dead");
  // Every answer is wanted (no grace): a member that fails is known at once, one that hangs at its call's timeout.
  const ask = async (id: string) => {
    const answer = await c.rpc.call(id, "manifests.search", request);
    if (!inOrderBelow(answer.hits, request.dir, request.after)) throw new Error(`${id} answered matches out of order or outside /${request.dir}`);
    return answer;
  };
  const result = await callMany(members, ask, { quorum: (ok) => ok.size === members.length, graceMs: 0 });
  for (const [id, err] of result.failed) c.log.warn("search: a member did not answer", { peer: id, dir: `/${request.dir}`, err: errorMessage(err) });
  if (!c.placement.readsEveryPartition((id) => result.ok.has(id))) {
    const missing = members.filter((id) => !result.ok.has(id));
    throw new OrreryError(503, "read_quorum_unreachable", `a search needs a read quorum of every folder's owners; ${missing.length} of ${members.length} members did not answer`, {
      missing: missing.slice(0, 16),
    });
  }
  return [...result.ok.values()];
}

/** A member's matches lie below the folder, past `after`, in (path, kind) order, never in the versions' namespace. */
function inOrderBelow(hits: readonly SearchHit[], dir: string, after: string | undefined): boolean {
  return hits.every(
    (h, i) =>
      (dir === "" ? !searchSkips(h.path) : h.path.startsWith(`${dir}/`)) &&
      (after === undefined || compareNames(h.path, after) > 0) &&
      (i === 0 || compareHits(hits[i - 1]!, h) < 0),
  );
}
