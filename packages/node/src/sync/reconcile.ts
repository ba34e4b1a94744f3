// The pure heart of `orrery sync`: from what the local folder holds, what the cluster folder holds and what
// both held after the last sync (the base), the actions that bring them in step. No I/O; the engine acts.
import { conflictPath, versionAuthor } from "./conflict-name.ts";
import { pairRenames } from "./renames.ts";

/** A local file as the scanner saw it; `sha256` is computed when size or mtime differ from the base. */
export interface LocalFile {
  kind: "file";
  size: number;
  mtimeMs: number;
  sha256: string;
}
export type LocalEntry = LocalFile | { kind: "dir" };

/** A cluster entry as a listing or the change feed shows it. */
export interface RemoteEntry {
  kind: "file" | "dir";
  version: string;
  size: number;
  mtime: number;
  sha256: string | null;
}

/** What both sides held when a path was last in step: the local stat and content, and the remote version. */
export interface BaseEntry {
  kind: "file" | "dir";
  size: number;
  mtimeMs: number;
  sha256: string | null;
  version: string;
}

/** Paths are relative to the synced roots, `/`-separated, never empty. */
export type Entries<T> = ReadonlyMap<string, T>;

export type Action =
  /** Upload the local file; `ifMatch`: only over this remote content, else only where nothing is (never a silent overwrite). */
  | { type: "upload"; path: string; local: LocalFile; ifMatch: string | null }
  /** Download over `replace` (the local file as scanned), or where nothing is when undefined. */
  | { type: "download"; path: string; remote: RemoteEntry; replace: LocalFile | undefined }
  | { type: "deleteRemote"; path: string; sha256: string }
  | { type: "deleteLocal"; path: string; local: LocalFile }
  | { type: "moveRemote"; from: string; to: string; local: LocalFile; sha256: string }
  | { type: "moveLocal"; from: string; to: string; local: LocalFile; remote: RemoteEntry }
  /**
   * Both sides changed the file differently. `keep` stays the file; the other version becomes `copy` on the side
   * that had it (the next pass carries the copy over like any new file).
   */
  | { type: "conflict"; path: string; keep: "local" | "remote"; copy: string; local: LocalFile; remote: RemoteEntry }
  | { type: "mkdirLocal"; path: string }
  | { type: "mkdirRemote"; path: string }
  /** Folder deletes never recurse: a folder that is not empty when its turn comes stays. */
  | { type: "rmdirLocal"; path: string }
  | { type: "rmdirRemote"; path: string }
  /** Both sides already agree: remember it as the new base. */
  | { type: "record"; path: string; base: BaseEntry }
  | { type: "forget"; path: string }
  /** A file on one side and a folder on the other: left alone and reported. */
  | { type: "kindClash"; path: string };

export interface ReconcileOptions {
  /** When a conflict is decided, for the copy's name. */
  now: Date;
  /** This machine's name, for the copy of a local version. */
  host: string;
}

type Change = "none" | "created" | "modified" | "deleted";

function localChange(l: LocalEntry | undefined, b: BaseEntry | undefined): Change {
  if (!b) return l ? "created" : "none";
  if (!l) return "deleted";
  if (l.kind !== b.kind) return "modified";
  return l.kind === "file" && l.sha256 !== b.sha256 ? "modified" : "none";
}

function remoteChange(r: RemoteEntry | undefined, b: BaseEntry | undefined): Change {
  if (!b) return r ? "created" : "none";
  if (!r) return "deleted";
  if (r.kind !== b.kind) return "modified";
  // A new version with the same bytes (a re-upload, our own write) is no change of content.
  return r.kind === "file" && r.sha256 !== b.sha256 ? "modified" : "none";
}

export const baseOf = (l: LocalEntry, r: RemoteEntry): BaseEntry =>
  l.kind === "file"
    ? { kind: "file", size: l.size, mtimeMs: l.mtimeMs, sha256: l.sha256, version: r.version }
    : { kind: "dir", size: 0, mtimeMs: 0, sha256: null, version: r.version };

const sameBase = (a: BaseEntry, b: BaseEntry) =>
  a.kind === b.kind && a.size === b.size && a.mtimeMs === b.mtimeMs && a.sha256 === b.sha256 && a.version === b.version;

/** Both sides hold the same thing: record it, unless the base already says exactly that. */
function agree(path: string, l: LocalEntry, r: RemoteEntry, b: BaseEntry | undefined): Action[] {
  const next = baseOf(l, r);
  return b && sameBase(b, next) ? [] : [{ type: "record", path, base: next }];
}

/** Newer modification time wins; a tie goes to the cluster's version, the one other machines already see. */
function conflict(path: string, l: LocalFile, r: RemoteEntry, o: ReconcileOptions): Action {
  const keep = l.mtimeMs > r.mtime ? "local" : "remote";
  const copy = conflictPath(path, o.now, keep === "local" ? versionAuthor(r.version) : o.host);
  return { type: "conflict", path, keep, copy, local: l, remote: r };
}

function decideFile(path: string, l: LocalFile | undefined, r: RemoteEntry | undefined, b: BaseEntry | undefined, o: ReconcileOptions): Action[] {
  const lc = localChange(l, b);
  const rc = remoteChange(r, b);
  if (l && r) {
    if (l.sha256 === r.sha256) return agree(path, l, r, b);
    if (lc === "none") return [{ type: "download", path, remote: r, replace: l }];
    if (rc === "none") return [{ type: "upload", path, local: l, ifMatch: r.sha256 }];
    return [conflict(path, l, r, o)];
  }
  if (l) {
    // Remote gone: deleted there (local untouched), or new here / changed here since (an edit beats a delete).
    if (rc === "deleted" && lc === "none") return [{ type: "deleteLocal", path, local: l }];
    return [{ type: "upload", path, local: l, ifMatch: null }];
  }
  if (r) {
    if (lc === "deleted" && rc === "none") return [{ type: "deleteRemote", path, sha256: r.sha256 ?? "" }];
    return [{ type: "download", path, remote: r, replace: undefined }];
  }
  return b ? [{ type: "forget", path }] : [];
}

function decideDir(path: string, l: LocalEntry | undefined, r: RemoteEntry | undefined, b: BaseEntry | undefined): Action[] {
  if (l && r) return agree(path, l, r, b);
  if (l) return b ? [{ type: "rmdirLocal", path }] : [{ type: "mkdirRemote", path }];
  if (r) return b ? [{ type: "rmdirRemote", path }] : [{ type: "mkdirLocal", path }];
  return b ? [{ type: "forget", path }] : [];
}

function decide(path: string, l: LocalEntry | undefined, r: RemoteEntry | undefined, b: BaseEntry | undefined, o: ReconcileOptions): Action[] {
  const kind = l?.kind ?? r?.kind ?? b?.kind;
  if (l && r && l.kind !== r.kind) return [{ type: "kindClash", path }];
  // A kind that changed on one side only (file → folder) is a clash too: deleting the other side's entry to
  // make room would throw away data nobody asked to lose.
  if (b && ((l && l.kind !== b.kind) || (r && r.kind !== b.kind))) return [{ type: "kindClash", path }];
  return kind === "dir" ? decideDir(path, l, r, b) : decideFile(path, l as LocalFile | undefined, r, b, o);
}

/** Where each action runs in a pass: folders made first (parents before children), emptied folders last (children first). */
function phase(a: Action): number {
  if (a.type === "mkdirLocal" || a.type === "mkdirRemote") return 0;
  if (a.type === "rmdirLocal" || a.type === "rmdirRemote") return 2;
  return 1;
}

const actionPath = (a: Action) => ("path" in a ? a.path : a.to);

function byPhase(a: Action, b: Action): number {
  const pa = phase(a);
  const pb = phase(b);
  if (pa !== pb) return pa - pb;
  const [x, y] = [actionPath(a), actionPath(b)];
  const order = x < y ? -1 : x > y ? 1 : 0;
  return pa === 2 ? -order : order;
}

/** Every action for one pass, in the order to run them. */
export function reconcile(local: Entries<LocalEntry>, remote: Entries<RemoteEntry>, base: Entries<BaseEntry>, o: ReconcileOptions): Action[] {
  const paths = new Set([...local.keys(), ...remote.keys(), ...base.keys()]);
  const actions: Action[] = [];
  for (const path of paths) actions.push(...decide(path, local.get(path), remote.get(path), base.get(path), o));
  return pairRenames(actions, base).sort(byPhase);
}
