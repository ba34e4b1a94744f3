// What a manifest owner answers to quorum reads: every row it holds for the paths asked (manifests.get), or only the
// rows newer than the asker's (manifests.newer), and the same for a page of a directory's rows (manifests.children,
// manifests.newerChildren). The newer ones compare versions first (ManifestStore.versionOf, childVersions) and
// read a whole row only to send it: a small file's 4 KiB sit in an overflow page that SQLite reads with a pread of
// its own, and most reads find the asker's row as new as the owner's.
import type { Manifest, ManifestKind } from "../metadata/manifest.ts";
import { nameOf } from "../metadata/path.ts";
import type { ManifestStore } from "../metadata/manifest-store.ts";
import type { JsonRequest, JsonResponse } from "../rpc/methods.ts";

const KINDS: readonly ManifestKind[] = ["file", "dir"];

/** Both rows of each path (a file and a directory may share it), null where there is none. */
export function getAnswer(store: ManifestStore, body: JsonRequest<"manifests.get">): JsonResponse<"manifests.get"> {
  return { rows: body.paths.flatMap((p) => KINDS.map((kind) => store.get(p, kind) ?? null)) };
}

/** The same, each row only when it is newer than the version the asker holds of it (null otherwise). */
export function newerAnswer(store: ManifestStore, body: JsonRequest<"manifests.newer">): JsonResponse<"manifests.newer"> {
  const rows = body.paths.flatMap((p, i) =>
    KINDS.map((kind, k) => {
      const version = store.versionOf(p, kind);
      const held = body.have[2 * i + k] ?? null;
      // Versions compare as strings (metadata/hlc.ts): the order a merge keeps.
      return version !== undefined && (held === null || version > held) ? (store.get(p, kind) ?? null) : null;
    }),
  );
  return { rows };
}

/** One page of a directory's rows as stored, tombstones included. */
export function childrenAnswer(store: ManifestStore, body: JsonRequest<"manifests.children">): JsonResponse<"manifests.children"> {
  return { rows: store.children(body.dir, { after: body.after, limit: body.limit, rows: true }) };
}

/** The same page, without the rows the asker holds as new (`have`: its own page's names, kinds and versions). */
export function newerChildrenAnswer(store: ManifestStore, body: JsonRequest<"manifests.newerChildren">): JsonResponse<"manifests.newerChildren"> {
  // Keyed by kind and name (a name holds no '/'); a Map, so no name a peer sends can reach an object's prototype.
  const held = new Map(body.have.map(([name, kind, version]) => [`${kind}/${name}`, version]));
  const rows: Manifest[] = [];
  for (const r of store.childVersions(body.dir, { after: body.after, limit: body.limit })) {
    const have = held.get(`${r.kind}/${nameOf(r.path)}`);
    if (have !== undefined && r.version <= have) continue;
    const row = store.get(r.path, r.kind);
    if (row) rows.push(row);
  }
  return { rows };
}
