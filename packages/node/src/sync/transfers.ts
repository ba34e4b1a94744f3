// Moving one file's bytes: an upload streamed from disk and a download streamed into a temporary file that
// is renamed into place only when complete and checked, and only over the local file the pass decided on.
import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, rename, stat, unlink, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CliError, ExitCode, errorText } from "../cli/errors.ts";
import { errorFromResponse, type NodeClient } from "../cli/http.ts";
import { countingStream } from "../cli/streams.ts";
import type { BaseEntry, LocalFile, RemoteEntry } from "./reconcile.ts";
import type { RemoteTree } from "./remote-tree.ts";
import { TEMP_PREFIX } from "./state-db.ts";

/** The other side moved on since the pass looked: nothing was changed, the next pass decides again. */
export class Stale extends Error {}

export interface Transferred {
  base: BaseEntry;
  remote: RemoteEntry;
  bytes: number;
}

export interface TransferContext {
  client: NodeClient;
  tree: RemoteTree;
  /** Absolute path of the local folder. */
  root: string;
  /** A transfer starts: the callback told the bytes done so far. */
  progress: (label: string, total: number | undefined) => (done: number) => void;
}

export const localPath = (root: string, rel: string) => join(root, ...rel.split("/"));

/** Whether the local file is still exactly as scanned (undefined: still absent). */
export async function unchanged(abs: string, scanned: LocalFile | undefined): Promise<boolean> {
  const info = await lstat(abs).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (!scanned) return info === undefined;
  return info !== undefined && info.isFile() && info.size === scanned.size && info.mtimeMs === scanned.mtimeMs;
}

/** PUT the file, streamed; `ifMatch` null means only where nothing is (If-None-Match: *). */
export async function upload(ctx: TransferContext, rel: string, local: LocalFile, ifMatch: string | null): Promise<Transferred> {
  const abs = localPath(ctx.root, rel);
  if (!(await unchanged(abs, local))) throw new Stale("changed locally during the pass");
  let sent = 0;
  const onBytes = ctx.progress(`up ${rel}`, local.size);
  const body = Bun.file(abs)
    .stream()
    .pipeThrough(countingStream((c) => onBytes((sent += c.byteLength))));
  const res = await ctx.client.send("PUT", ctx.tree.apiPath(rel), {
    body,
    // No Content-Type: the node infers it from the name or the first bytes (a type sent is kept as given).
    headers: {
      "x-orrery-mtime": String(Math.floor(local.mtimeMs)),
      ...(ifMatch === null ? { "if-none-match": "*" } : { "if-match": `"${ifMatch}"` }),
    },
  });
  if (res.status === 412) {
    await res.body?.cancel();
    throw new Stale("changed on the cluster during the pass");
  }
  if (!res.ok) throw await errorFromResponse(res);
  const put = (await res.json()) as { size: number; sha256: string; version: string; mtime: number };
  const remote: RemoteEntry = { kind: "file", version: put.version, size: put.size, mtime: put.mtime, sha256: put.sha256 };
  ctx.tree.note(rel, remote, false);
  // The local stat as scanned: if the file changed while it was read, the next scan sees the change.
  return { base: { kind: "file", size: local.size, mtimeMs: local.mtimeMs, sha256: put.sha256, version: put.version }, remote, bytes: sent };
}

/** Streams the body into `tmp`, returning its byte count and SHA-256; fsynced before it returns. */
async function receive(onBytes: (done: number) => void, res: Response, tmp: string): Promise<{ bytes: number; sha256: string }> {
  const fh = await open(tmp, "wx");
  const hasher = new Bun.CryptoHasher("sha256");
  let bytes = 0;
  try {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read().catch((e: unknown) => {
        throw new CliError(ExitCode.failed, `download broke off after ${bytes} bytes: ${errorText(e)}`);
      });
      if (done) break;
      await fh.write(value);
      hasher.update(value);
      onBytes((bytes += value.byteLength));
    }
    await fh.datasync();
  } finally {
    await fh.close();
  }
  return { bytes, sha256: hasher.digest("hex") };
}

/** GET the file into a temporary file beside its place, checked against the node's length and ETag, renamed over `replace`. */
export async function download(ctx: TransferContext, rel: string, expected: RemoteEntry, replace: LocalFile | undefined): Promise<Transferred> {
  const res = await ctx.client.send("GET", ctx.tree.apiPath(rel));
  if (res.status === 404 || res.headers.get("content-type")?.includes("application/json")) {
    await res.body?.cancel();
    if (res.status === 404 || res.ok) throw new Stale("gone from the cluster during the pass");
  }
  if (!res.ok) throw await errorFromResponse(res);
  const abs = localPath(ctx.root, rel);
  await mkdir(dirname(abs), { recursive: true });
  const tmp = join(dirname(abs), `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`);
  try {
    const got = await receive(ctx.progress(`down ${rel}`, expected.size), res, tmp);
    const length = Number(res.headers.get("content-length") ?? got.bytes);
    const etag = /^"([0-9a-f]{64})"$/.exec(res.headers.get("etag") ?? "")?.[1];
    if (got.bytes !== length || (etag !== undefined && etag !== got.sha256)) {
      throw new CliError(ExitCode.failed, `download broke off or is corrupt: ${got.bytes} of ${length} bytes, sha256 ${got.sha256}`);
    }
    const mtime = Date.parse(res.headers.get("last-modified") ?? "") || expected.mtime;
    await utimes(tmp, new Date(), new Date(expected.sha256 === got.sha256 ? expected.mtime : mtime));
    if (!(await unchanged(abs, replace))) throw new Stale("changed locally during the download");
    await rename(tmp, abs);
    const info = await stat(abs);
    const version = res.headers.get("x-orrery-version") ?? expected.version;
    const remote: RemoteEntry = { ...expected, version, sha256: got.sha256, size: got.bytes };
    ctx.tree.note(rel, remote, false);
    return { base: { kind: "file", size: info.size, mtimeMs: info.mtimeMs, sha256: got.sha256, version }, remote, bytes: got.bytes };
  } catch (e) {
    await unlink(tmp).catch(() => {});
    if (e instanceof Stale || e instanceof CliError) throw e;
    throw new CliError(ExitCode.local, `cannot write ${abs}: ${errorText(e)}`);
  }
}
