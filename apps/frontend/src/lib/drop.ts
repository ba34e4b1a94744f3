// Turns what the user picked or dropped into (file, relative path) pairs: folders dropped on the
// page are walked with webkitGetAsEntry(); folders picked with <input webkitdirectory> carry
// webkitRelativePath. Empty folders are reported so they can be created too.

export interface PickedFile {
  file: File;
  /** Path relative to the drop target: "holiday/day 1/a.jpg". */
  relPath: string;
}

export interface Picked {
  files: PickedFile[];
  /** Folders with nothing in them (they would not appear otherwise). */
  emptyDirs: string[];
}

/** The parts of the File and Directory Entries API this uses (so tests can fake them). */
export interface EntryLike {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(ok: (f: File) => void, fail?: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (entries: EntryLike[]) => void, fail?: (e: unknown) => void): void };
}

const fileOf = (entry: EntryLike) =>
  new Promise<File>((resolve, reject) => {
    if (!entry.file) throw new Error(`${entry.name} is not a file`);
    entry.file(resolve, reject);
  });

/** All entries of a directory: readEntries answers in batches (100 in Chrome) until an empty one. */
async function readAll(entry: EntryLike): Promise<EntryLike[]> {
  if (!entry.createReader) return [];
  const reader = entry.createReader();
  const all: EntryLike[] = [];
  for (;;) {
    const batch = await new Promise<EntryLike[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** Walks entries depth first; `prefix` is the folder path they sit in. */
export async function walkEntries(entries: readonly EntryLike[], prefix = ""): Promise<Picked> {
  const out: Picked = { files: [], emptyDirs: [] };
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile) {
      out.files.push({ file: await fileOf(entry), relPath: rel });
    } else if (entry.isDirectory) {
      const children = await readAll(entry);
      if (children.length === 0) out.emptyDirs.push(rel);
      const sub = await walkEntries(children, rel);
      out.files.push(...sub.files);
      out.emptyDirs.push(...sub.emptyDirs);
    }
  }
  return out;
}

/**
 * What was dropped: entries must be taken from the DataTransfer synchronously (it is emptied when
 * the drop handler returns), then walked. Falls back to plain files where entries are missing.
 */
export function entriesFromDrop(dt: DataTransfer): { entries: EntryLike[]; loose: File[] } {
  const entries: EntryLike[] = [];
  const loose: File[] = [];
  const items = dt.items ? Array.from(dt.items) : [];
  for (const item of items) {
    if (item.kind !== "file") continue;
    const entry = (item as DataTransferItem & { webkitGetAsEntry?: () => EntryLike | null }).webkitGetAsEntry?.();
    if (entry) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) loose.push(f);
    }
  }
  if (items.length === 0) loose.push(...Array.from(dt.files ?? []));
  return { entries, loose };
}

/** Files from an <input type=file>; with webkitdirectory they keep their folder path. */
export function pickedFromInput(files: Iterable<File>): Picked {
  return {
    files: Array.from(files, (file) => ({
      file,
      relPath: (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name,
    })),
    emptyDirs: [],
  };
}

/**
 * Matches a screen whose main pointer is a finger (no hover, coarse): it cannot drag files onto the page, so
 * the words about dropping are left out there.
 */
export const CAN_DROP_QUERY = "(hover: none) and (pointer: coarse)";

/** What the listing says about adding files: dropping only where the pointer can drag files in. */
export function uploadHints(canDrop: boolean): { empty: string; footer: string } {
  return canDrop
    ? { empty: "Drop files or folders here, or use Upload.", footer: "drop files or folders here to upload" }
    : { empty: "Use Upload to add files, or Upload folder for a whole folder.", footer: "Upload adds files here" };
}
