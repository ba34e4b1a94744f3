// Carries out one reconcile action against the local folder and the node, records the new base in the state
// db, and tells the report what happened. Every change to either side is conditional on what the pass saw.
import type { ResponseOf } from "@orrery/api";
import { mkdir, rename, rmdir, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { CliError } from "../cli/errors.ts";
import { errorFromResponse } from "../cli/http.ts";
import type { Action, BaseEntry, LocalFile, RemoteEntry } from "./reconcile.ts";
import type { SyncReport } from "./report.ts";
import type { SyncState } from "./state-db.ts";
import { download, localPath, Stale, type TransferContext, unchanged, upload } from "./transfers.ts";

export interface ExecuteContext extends TransferContext {
  state: SyncState;
  report: SyncReport;
  /** The cluster folder's entries the pass decided on (for the versions of folders). */
  remote: ReadonlyMap<string, RemoteEntry>;
}

const dirBase = (version: string): BaseEntry => ({ kind: "dir", size: 0, mtimeMs: 0, sha256: null, version });
const tombstone = (version: string, kind: "file" | "dir" = "file"): RemoteEntry => ({ kind, version, size: 0, mtime: 0, sha256: null });

/**
 * DELETE on the node; false when it did not happen because the path changed or (a folder) is not empty. A
 * folder is named by its path with '/', so a file of the same path on the cluster stays.
 */
async function remoteDelete(ctx: ExecuteContext, rel: string, ifMatch?: string, folder = false): Promise<boolean> {
  const url = ctx.tree.apiPath(rel, { listing: folder });
  const res = await ctx.client.send("DELETE", url, { headers: ifMatch ? { "if-match": `"${ifMatch}"` } : {} });
  if (res.status === 404) return true;
  if (res.status === 412 || res.status === 409) {
    await res.body?.cancel();
    return false;
  }
  if (!res.ok) throw await errorFromResponse(res);
  const { version } = (await res.json()) as ResponseOf<"deleteFile">;
  ctx.tree.note(rel, tombstone(version, folder ? "dir" : "file"), true);
  return true;
}

/** POST /api/move on the node, never over an existing entry; the version the moved entry got. */
async function remoteMove(ctx: ExecuteContext, from: string, to: string, moved: RemoteEntry): Promise<string> {
  const { version } = await ctx.client.json<ResponseOf<"move">>("POST", "/api/move", {
    json: { from: `${ctx.tree.nodePath(from)}${moved.kind === "dir" ? "/" : ""}`, to: ctx.tree.nodePath(to), overwrite: false },
  });
  ctx.tree.note(from, tombstone(version, moved.kind), true);
  ctx.tree.note(to, { ...moved, version }, false);
  return version;
}

async function localMove(ctx: ExecuteContext, from: string, to: string, local: LocalFile): Promise<void> {
  const [src, dest] = [localPath(ctx.root, from), localPath(ctx.root, to)];
  if (!(await unchanged(src, local)) || !(await unchanged(dest, undefined))) throw new Stale("changed locally during the pass");
  await mkdir(dirname(dest), { recursive: true });
  await rename(src, dest);
}

async function conflict(ctx: ExecuteContext, a: Extract<Action, { type: "conflict" }>): Promise<void> {
  if (a.keep === "local") {
    // The cluster's version steps aside under the copy's name (no bytes move); ours takes the name.
    await remoteMove(ctx, a.path, a.copy, a.remote);
    const done = await upload(ctx, a.path, a.local, null);
    ctx.state.put(a.path, done.base);
    ctx.report.conflict(a.path, "local", a.copy, done.bytes);
  } else {
    await localMove(ctx, a.path, a.copy, a.local);
    const done = await download(ctx, a.path, a.remote, undefined);
    ctx.state.put(a.path, done.base);
    ctx.report.conflict(a.path, "cluster", a.copy, done.bytes);
  }
}

async function files(ctx: ExecuteContext, a: Action): Promise<void> {
  switch (a.type) {
    case "upload": {
      const done = await upload(ctx, a.path, a.local, a.ifMatch);
      ctx.state.put(a.path, done.base);
      return ctx.report.transferred("uploaded", a.path, done.bytes);
    }
    case "download": {
      const done = await download(ctx, a.path, a.remote, a.replace);
      ctx.state.put(a.path, done.base);
      return ctx.report.transferred("downloaded", a.path, done.bytes);
    }
    case "deleteRemote":
      if (!(await remoteDelete(ctx, a.path, a.sha256))) throw new Stale("changed on the cluster during the pass");
      ctx.state.delete(a.path);
      return ctx.report.deleted("cluster", a.path);
    case "deleteLocal": {
      const abs = localPath(ctx.root, a.path);
      if (!(await unchanged(abs, a.local))) throw new Stale("changed locally during the pass");
      await unlink(abs).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
      ctx.state.delete(a.path);
      return ctx.report.deleted("local", a.path);
    }
    case "moveRemote": {
      const version = await remoteMove(ctx, a.from, a.to, { kind: "file", version: "", size: a.local.size, mtime: a.local.mtimeMs, sha256: a.sha256 });
      ctx.state.delete(a.from);
      ctx.state.put(a.to, { kind: "file", size: a.local.size, mtimeMs: a.local.mtimeMs, sha256: a.sha256, version });
      return ctx.report.moved("cluster", a.from, a.to);
    }
    case "moveLocal": {
      await localMove(ctx, a.from, a.to, a.local);
      const info = await stat(localPath(ctx.root, a.to));
      ctx.state.delete(a.from);
      ctx.state.put(a.to, { kind: "file", size: info.size, mtimeMs: info.mtimeMs, sha256: a.local.sha256, version: a.remote.version });
      return ctx.report.moved("local", a.from, a.to);
    }
    case "conflict":
      return conflict(ctx, a);
    default:
      return folders(ctx, a);
  }
}

async function folders(ctx: ExecuteContext, a: Action): Promise<void> {
  switch (a.type) {
    case "mkdirLocal":
      await mkdir(localPath(ctx.root, a.path), { recursive: true });
      ctx.state.put(a.path, dirBase(ctx.remote.get(a.path)?.version ?? ""));
      return ctx.report.folder("local", a.path);
    case "mkdirRemote": {
      const { version } = await ctx.client.json<ResponseOf<"mkdir", 201>>("POST", "/api/mkdir", { json: { path: ctx.tree.nodePath(a.path) } });
      ctx.tree.note(a.path, { kind: "dir", version, size: 0, mtime: 0, sha256: null }, false);
      ctx.state.put(a.path, dirBase(version));
      return ctx.report.folder("cluster", a.path);
    }
    case "rmdirLocal": {
      const gone = await rmdir(localPath(ctx.root, a.path)).then(
        () => true,
        (e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? true : e.code === "ENOTEMPTY" || e.code === "EEXIST" ? false : Promise.reject(e)),
      );
      if (gone) ctx.state.delete(a.path);
      return gone ? ctx.report.deleted("local", `${a.path}/`) : undefined;
    }
    case "rmdirRemote":
      if (await remoteDelete(ctx, a.path, undefined, true)) {
        ctx.state.delete(a.path);
        ctx.report.deleted("cluster", `${a.path}/`);
      }
      return;
    case "record":
      return ctx.state.put(a.path, a.base);
    case "forget":
      return ctx.state.delete(a.path);
    case "kindClash":
      return ctx.report.skipped(a.path, "a file on one side and a folder on the other; rename one of them");
    default:
      throw new Error(`unexpected action ${a.type}`);
  }
}

/**
 * Runs one action; a Stale one is skipped (the next pass decides again) and a failure of this path alone is
 * reported and counted. What must stop the sync (the local folder gone, the node unreachable) is rethrown.
 */
export async function execute(ctx: ExecuteContext, a: Action, isFatal: (e: unknown) => boolean): Promise<void> {
  const path = "path" in a ? a.path : a.from;
  try {
    await files(ctx, a);
  } catch (e) {
    if (isFatal(e)) throw e;
    if (e instanceof Stale) return ctx.report.skipped(path, `${e.message}; the next pass looks again`);
    ctx.report.failed(path, e instanceof CliError || e instanceof Error ? e.message : String(e));
  }
}
