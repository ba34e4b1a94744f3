// The manifest calls a node makes many of at once, batched per owner per turn (rpc/call-batches.ts): quorum reads
// of rows (manifests.newer, or manifests.get of a member that does not know it) and pushes of committed rows
// (manifests.push), with what bounds each batch's size.
import type { Manifest } from "../metadata/manifest.ts";
import { MAX_PUSH_ENTRIES } from "../metadata/sync.ts";
import { CallBatches } from "../rpc/call-batches.ts";
import { MAX_READ_PATHS } from "../rpc/methods.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import type { OlderMembers } from "./older-members.ts";
import type { Schedule } from "../util/coalesce.ts";

/**
 * Estimated bytes of a batch at most: an eighth of what an RPC body may hold, so that what the estimate leaves
 * out (escaped path characters, metadata) cannot carry a batch past the limit.
 */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Bytes a row's metadata can take at most in JSON (six headers, 2 KiB of user metadata, ten tags), with room. */
const META_BYTES = 16 * 1024;

/** An upper estimate of a row's JSON: its chunk list and inline bytes are what make a row big. */
export function rowBytes(m: Manifest | undefined): number {
  if (!m) return 512;
  return (
    512 +
    6 * m.path.length +
    67 * m.chunks.length +
    12 * (m.chunkSizes?.length ?? 0) +
    (m.inline?.length ?? 0) +
    (m.meta ? META_BYTES : 0) +
    (m.multipart ? 80 + 17 * m.multipart.partSizes.length : 0)
  );
}

export interface RowGetsInit {
  rpc: PeerRpc;
  /** The rows this node holds for a path, the file's and the directory's: what a path weighs in a batch. */
  held: (path: string) => [Manifest | undefined, Manifest | undefined];
  /** The version of a row this node holds (undefined: none), read without its content. */
  versionOf: (path: string, kind: "file" | "dir") => string | undefined;
  /** The members that do not know manifests.newer. */
  older: OlderMembers;
  schedule?: Schedule;
}

/**
 * Quorum reads batched per owner: for each path, the rows the owner holds that are newer than this node's, the
 * file's and the directory's (null where it has none, or none newer). Asked with manifests.newer, which carries this
 * node's versions so that a row it already holds is not sent back (a 4 KiB file's row is its bytes in base64,
 * checked on arrival); a member that does not know that method is asked with manifests.get (older-members.ts). A
 * path is weighed by the rows this node holds for it (a newer row is about as big), so a huge file's read goes
 * alone rather than carry a batch past the answer's limit.
 */
export function rowGets(init: RowGetsInit) {
  const { rpc, held, versionOf, older } = init;
  const pairs = (rows: Array<Manifest | null>, count: number) => Array.from({ length: count }, (_, i) => [rows[2 * i] ?? null, rows[2 * i + 1] ?? null]);
  return new CallBatches<string, Array<Manifest | null>>({
    maxItems: MAX_READ_PATHS,
    maxBytes: MAX_BATCH_BYTES,
    bytes: (path) => {
      const [file, dir] = held(path);
      return rowBytes(file) + rowBytes(dir);
    },
    schedule: init.schedule,
    send: async (id, paths) => {
      const newer = () => {
        // The versions as they are when the call leaves: a row applied here meanwhile is only newer.
        const have = paths.flatMap((p) => [versionOf(p, "file") ?? null, versionOf(p, "dir") ?? null]);
        return rpc.call(id, "manifests.newer", { paths, have });
      };
      const { rows } = await older.call(id, "manifests.newer", newer, () => rpc.call(id, "manifests.get", { paths }));
      return pairs(rows, paths.length);
    },
  });
}

/** manifests.push batched per owner: the version each pushed row's key holds there after the merge (undefined: not said). */
export function rowPushes(rpc: PeerRpc, schedule?: Schedule) {
  return new CallBatches<Manifest, string | undefined>({
    maxItems: MAX_PUSH_ENTRIES,
    maxBytes: MAX_BATCH_BYTES,
    bytes: rowBytes,
    schedule,
    send: async (id, entries) => {
      const { versions } = await rpc.call(id, "manifests.push", { entries });
      return entries.map((_, i) => versions[i]);
    },
  });
}
