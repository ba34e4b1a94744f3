// The peer calls a NodeCore answers (manifests, Paxos, chunk and range anti-entropy, settings), and the rule that a
// node resyncing after the cluster forgot it answers none that read or change manifests.
import type { ManifestStore } from "./metadata/manifest-store.ts";
import { toSearchHit } from "./metadata/name-search.ts";
import { answerSyncRequest, pushAnswer } from "./metadata/sync.ts";
import type { NodeCore } from "./node-core.ts";
import type { JsonHandlers } from "./rpc/methods.ts";
import { childrenAnswer, getAnswer, newerAnswer, newerChildrenAnswer } from "./replication/manifest-answers.ts";

/** The peer calls that read or change manifests: refused while this node resyncs (ManifestResync). */
const MANIFEST_CALLS = [
  "manifests.push", "manifests.sync", "manifests.get", "manifests.newer", "manifests.children", "manifests.newerChildren",
  "manifests.search", "manifests.parents", "manifests.rangeDigests", "manifests.rangeKeys", "manifests.rangeRows",
  "paxos.prepare", "paxos.accept",
] as const;

export function coreHandlers(core: NodeCore, manifests: ManifestStore): JsonHandlers {
  const handlers = allHandlers(core, manifests);
  for (const method of MANIFEST_CALLS) {
    const serve = handlers[method] as (from: string, body: never) => unknown;
    (handlers as Record<string, unknown>)[method] = (from: string, body: never) => {
      const why = core.notServing();
      if (why) throw new Error(why);
      return serve(from, body);
    };
  }
  return handlers;
}

function allHandlers(core: NodeCore, manifests: ManifestStore): JsonHandlers {
  return {
    "manifests.push": (_from, body) => pushAnswer(manifests, body),
    "manifests.sync": (_from, body) => answerSyncRequest(manifests, body),
    // Both rows of a path (a file and a directory may share it); a reader applies each by its own key.
    "manifests.get": (_from, body) => getAnswer(manifests, body),
    "manifests.newer": (_from, body) => newerAnswer(manifests, body),
    "manifests.children": (_from, body) => childrenAnswer(manifests, body),
    "manifests.newerChildren": (_from, body) => newerChildrenAnswer(manifests, body),
    "manifests.search": (_from, body) => {
      const page = manifests.searchNames(body.dir, body.text, { after: body.after, limit: body.limit, tombstones: true });
      return { hits: page.rows.map(toSearchHit), more: page.more };
    },
    "manifests.parents": (_from, body) => ({ parents: manifests.parentsBelow(body.dir, body.from, body.limit) }),
    "changes.watch": (from, body) => core.changeRelay.watch(from, body),
    "paxos.prepare": (_from, body) => core.acceptor.prepare(body),
    "paxos.accept": (_from, body) => core.acceptor.accept(body),
    ...core.rangeSync.handlers(),
    "chunks.digests": (from) => core.antiEntropy.digestsFor(from),
    "chunks.ids": (from, body) => ({ ids: core.antiEntropy.idsFor(from, body.ranges) }),
    ...core.settings.handlers(),
  };
}
