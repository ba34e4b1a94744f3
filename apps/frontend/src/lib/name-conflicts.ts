// Names that do not collide: "Keep both" on a rename or an upload onto an existing name gives the newcomer
// the next free "name (2).ext", as desktop file managers do. Pure.
import type { Picked } from "./drop.ts";

/** Extensions of two parts, kept whole: "a.tar.gz" → "a (2).tar.gz". */
const DOUBLE = /\.tar\.(gz|bz2|xz|zst|lz|lzma)$/i;

/** The stem and the extension (with its dot); a dot file's leading dot is part of its stem. */
export function splitName(name: string): [string, string] {
  const double = DOUBLE.exec(name);
  if (double && double.index > 0) return [name.slice(0, double.index), name.slice(double.index)];
  const dot = name.lastIndexOf(".");
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
}

/** "report.pdf" → "report (2).pdf", or the next number free in `taken`; "report (2).pdf" → "report (3).pdf". */
export function keepBothName(name: string, taken: ReadonlySet<string>): string {
  const [stem, ext] = splitName(name);
  const numbered = /^(.*) \((\d+)\)$/.exec(stem);
  const base = numbered ? numbered[1]! : stem;
  for (let n = numbered ? Number(numbered[2]) + 1 : 2; ; n++) {
    const candidate = `${base} (${n})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * New names for `conflicting` (names already in the folder), each free in the folder and among the others'
 * new names and `alsoTaken` (the rest of an upload): old name → new name.
 */
export function keepBothNames(conflicting: readonly string[], existing: Iterable<string>, alsoTaken: Iterable<string> = []): Map<string, string> {
  const taken = new Set([...existing, ...alsoTaken, ...conflicting]);
  const out = new Map<string, string>();
  for (const name of conflicting) {
    const fresh = keepBothName(name, taken);
    taken.add(fresh);
    out.set(name, fresh);
  }
  return out;
}

/** The picked files with the top-level names in `renames` changed (an upload's "Keep both"). */
export function renamePicked(picked: Picked, renames: ReadonlyMap<string, string>): Picked {
  return { ...picked, files: picked.files.map((f) => ({ ...f, relPath: renames.get(f.relPath) ?? f.relPath })) };
}
