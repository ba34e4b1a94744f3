// What a manifest owner answers to quorum reads: every row it holds for the paths asked (manifests.get), or only the
// rows newer than the asker's (manifests.newer). The latter compares versions first (ManifestStore.versionOf) and
// reads a whole row only to send it: a small file's 4 KiB sit in an overflow page that SQLite reads with a pread of
// its own, and most reads find the asker's row as new as the owner's.
import type { ManifestKind } from "../metadata/manifest.ts";
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
