// The questions asked when a rename or an upload meets a name already taken: Replace, Keep both (the
// newcomer takes the next free "name (2).ext") or Cancel, never a silent replacement nor a bare failure;
// and the new folder's, which says when the name was taken already rather than claim it made it.
import { api, type Entry } from "./api.ts";
import { listNames } from "./bulk.ts";
import type { DialogRequest } from "./dialog.ts";
import type { Picked } from "./drop.ts";
import type { Upload, UploadPrecondition } from "./upload-queue.ts";
import { keepBothName, keepBothNames, renamePicked } from "./name-conflicts.ts";
import { notices } from "./notices.svelte.ts";
import { basename, dirname, join, newFolderProblem } from "./paths.ts";

/** A folder's entries now (its first 10,000: a larger folder's "Keep both" may still meet a taken name, and says so). */
const entriesIn = async (dir: string): Promise<Entry[]> => (await api.list(dir, { limit: 10_000 })).entries;

async function namesIn(dir: string): Promise<Set<string>> {
  return new Set((await entriesIn(dir)).map((e) => e.name));
}

/** A move of `from` onto `to`, which exists: `done(to)` after whichever move was made. */
export function moveConflict(from: Entry, to: string, done: (to: string) => Promise<void>): DialogRequest {
  const name = basename(to);
  return {
    title: `“${name}” already exists`,
    message: `${dirname(to)} already holds “${name}”. Replace it with “${from.name}” on every node, keep both (“${from.name}” is stored as “${keepBothName(name, new Set([name]))}”, or the next number free), or cancel.`,
    confirmLabel: "Replace",
    danger: true,
    run: async () => {
      await api.move(from.path, to, true, from.kind === "dir");
      await done(to);
    },
    alternate: {
      label: "Keep both",
      testid: "keep-both",
      run: async () => {
        const fresh = join(dirname(to), keepBothName(name, await namesIn(dirname(to))));
        await api.move(from.path, fresh, false, from.kind === "dir");
        await done(fresh);
      },
    },
  };
}

/** An upload of `picked` into `dir` where the top-level files `replaced` exist: `start` uploads what was chosen. */
export function uploadConflict(dir: string, picked: Picked, replaced: string[], existing: readonly Entry[], start: (p: Picked) => void): DialogRequest {
  const one = replaced.length === 1;
  const renames = keepBothNames(replaced, existing.map((e) => e.name), picked.files.map((f) => f.relPath.split("/")[0]!));
  const example = renames.get(replaced[0]!)!;
  return {
    title: one ? "Replace a file?" : `Replace ${replaced.length} files?`,
    message:
      `${listNames(replaced)} already ${one ? "exists" : "exist"} in ${dir}. Replace ${one ? "it" : "them"} on every node, ` +
      `keep both (the new ${one ? "one is" : "ones are"} stored as “${example}”${one ? "" : " and so on"}), or cancel.`,
    confirmLabel: "Replace",
    danger: true,
    run: async () => start(picked),
    alternate: { label: "Keep both", testid: "keep-both", run: async () => start(renamePicked(picked, renames)) },
  };
}

/**
 * An upload the node refused (412): a file of its name appeared, or the file the user chose to replace changed,
 * after the folder was listed. Replace sends it again over the file as it is now (If-Match: its ETag now, so a
 * further change is caught again), Keep both under the next free name; Cancel leaves the upload stopped.
 */
export function uploadRaceConflict(u: Upload, resend: (path: string, name: string, precondition: UploadPrecondition) => void): DialogRequest {
  const name = basename(u.path);
  const dir = dirname(u.path);
  const what = u.precondition?.kind === "match" ? `“${name}” changed in ${dir}` : `A file named “${name}” appeared in ${dir}`;
  return {
    title: `“${name}” already exists`,
    message: `${what} after the folder was listed, so your upload did not replace it. Replace it with yours on every node, keep both (yours is stored as “${keepBothName(name, new Set([name]))}”, or the next number free), or cancel.`,
    confirmLabel: "Replace",
    danger: true,
    run: async () => {
      const now = (await entriesIn(dir)).find((e) => e.kind === "file" && e.name === name);
      resend(u.path, name, now?.sha256 ? { kind: "match", etag: now.sha256 } : { kind: "absent" });
    },
    alternate: {
      label: "Keep both",
      testid: "keep-both",
      run: async () => {
        const fresh = keepBothName(name, await namesIn(dir));
        resend(join(dir, fresh), fresh, { kind: "absent" });
      },
    },
  };
}

/** "New folder" in `dir` (its listing `entries` checks the name); `done` lists the folder again. */
export function newFolderDialog(dir: string, entries: readonly Entry[], done: () => Promise<void>): DialogRequest {
  return {
    title: "New folder",
    message: `Creates a folder in ${dir}.`,
    input: { label: "Name", value: "" },
    confirmLabel: "Create",
    validate: (name) => newFolderProblem(name, entries),
    run: async (name) => {
      const made = await api.mkdir(join(dir, name.trim()));
      // Another client may have made it meanwhile: say what happened, not what was asked.
      if (made.created) notices.info(`Created folder ${name.trim()}`);
      else notices.info(`A folder named ${name.trim()} already exists; nothing was changed`);
      await done();
    },
  };
}
