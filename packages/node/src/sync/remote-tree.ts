// The cluster side of a sync: the folder's entries as last read (a walk of its listings) and kept current by
// the node's change feed and by the results of our own writes, newest version per path winning.
import type { Entry, ResponseOf } from "@orrery/api";
import { CliError } from "../cli/errors.ts";
import type { NodeClient } from "../cli/http.ts";
import { filesApiPath, type RemotePath } from "../cli/remote-path.ts";
import type { RemoteEntry } from "./reconcile.ts";
import { isReserved } from "./state-db.ts";

/** A listing entry or a change event from the node (files-routes.ts `entryJson`, changes-routes.ts). */
export type NodeEntry = Entry & { deleted?: boolean };

interface Known {
  entry: RemoteEntry;
  deleted: boolean;
}

const PAGE = 1000;

/** The remote folder does not exist: with a base to lose, that is a stop, not "everything was deleted". */
export class RemoteRootMissing extends Error {}

export class RemoteTree {
  private known = new Map<string, Known>();
  /** Changes heard while a walk is under way, replayed over its result. */
  private duringWalk: Array<[string, Known]> | undefined;

  constructor(
    private readonly client: NodeClient,
    /** The cluster folder, as segments. */
    readonly root: string[],
  ) {}

  /** Path below the root of a node path (`/root/a/b` → `a/b`); undefined for the root itself, paths elsewhere and reserved names. */
  relative(nodePath: string): string | undefined {
    const segments = nodePath.split("/").filter((s) => s !== "");
    if (segments.length <= this.root.length || this.root.some((s, i) => segments[i] !== s)) return undefined;
    const rel = segments.slice(this.root.length);
    return rel.some(isReserved) ? undefined : rel.join("/");
  }

  /** The node's API path of a relative path. */
  apiPath(rel: string, opts: { listing?: boolean } = {}): string {
    const p: RemotePath = { segments: [...this.root, ...(rel === "" ? [] : rel.split("/"))], dir: false };
    return filesApiPath(p, opts);
  }

  /** A relative path as the node's JSON bodies spell paths (`/root/a/b`). */
  nodePath(rel: string): string {
    return `/${[...this.root, ...(rel === "" ? [] : rel.split("/"))].join("/")}`;
  }

  /** The live entries, as reconcile wants them. */
  live(): Map<string, RemoteEntry> {
    const out = new Map<string, RemoteEntry>();
    for (const [path, k] of this.known) if (!k.deleted) out.set(path, k.entry);
    return out;
  }

  /** Takes in one entry (a change event, or what our own write answered) unless a newer version is known. */
  note(rel: string, entry: RemoteEntry, deleted: boolean): void {
    const k: Known = { entry, deleted };
    this.duringWalk?.push([rel, k]);
    this.merge(this.known, rel, k);
  }

  noteNodeEntry(e: NodeEntry): void {
    const rel = this.relative(e.path);
    if (rel !== undefined) this.note(rel, fromNode(e), e.deleted ?? false);
  }

  private merge(into: Map<string, Known>, rel: string, k: Known): void {
    const current = into.get(rel);
    if (current && current.entry.kind !== k.entry.kind) {
      // A file and a folder may share a path on the cluster (S3's `a` beside `a/b`); a local folder cannot hold
      // both, so the sync sees the folder and leaves the file of the pair alone. Two keys: a delete of one says
      // nothing about the other.
      if (k.deleted) return;
      if (k.entry.kind === "dir" || current.deleted) into.set(rel, k);
      return;
    }
    if (!current || k.entry.version > current.entry.version) into.set(rel, k);
  }

  /**
   * Reads the whole folder again. Returns false when it does not exist (after making it when `create`), so the
   * caller can refuse to read a missing folder as an emptied one.
   */
  async walk(create: boolean): Promise<boolean> {
    this.duringWalk = [];
    try {
      const fresh = new Map<string, Known>();
      if (!(await this.walkDir("", fresh))) {
        if (!create) return false;
        await this.client.json("POST", "/api/mkdir", { json: { path: this.nodePath("") } });
      }
      for (const [rel, k] of this.duringWalk) this.merge(fresh, rel, k);
      this.known = fresh;
      return true;
    } finally {
      this.duringWalk = undefined;
    }
  }

  private async walkDir(rel: string, into: Map<string, Known>): Promise<boolean> {
    const dirs: string[] = [];
    let after: string | undefined;
    for (;;) {
      let page: ResponseOf<"getFile">;
      try {
        page = await this.client.json("GET", this.apiPath(rel, { listing: true }), { query: { limit: String(PAGE), after } });
      } catch (e) {
        if (e instanceof CliError && e.code === "not_found" && rel === "") return false;
        throw e;
      }
      for (const e of page.entries) {
        const child = this.relative(e.path);
        if (child === undefined) continue;
        this.merge(into, child, { entry: fromNode(e), deleted: false });
        if (e.kind === "dir") dirs.push(child);
      }
      after = page.entries.at(-1)?.name;
      if (!page.more || after === undefined) break;
    }
    for (const d of dirs) await this.walkDir(d, into);
    return true;
  }
}

export const fromNode = (e: NodeEntry): RemoteEntry => ({
  kind: e.kind,
  version: e.version,
  size: e.size,
  mtime: e.mtime,
  sha256: e.kind === "file" ? (e.sha256 ?? null) : null,
});
