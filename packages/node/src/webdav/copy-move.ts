// COPY and MOVE (RFC 4918 §9.8–9.9): Destination and Overwrite handling, lock checks on both ends,
// and dead properties following the resource. Copies stream file content; moves are a manifest rename.
import { fileReadStream } from "../filesystem/read-stream.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { joinPath, nameOf } from "../metadata/path.ts";
import { davError } from "./errors.ts";
import { checkIfHeader, checkLocks, type DavContext, requireParent, type WriteScope } from "./preconditions.ts";
import { pathOfUri } from "./paths.ts";

export interface Transfer {
  from: string;
  to: string;
  overwrite: boolean;
}

/** Reads Destination and Overwrite: 400 without a Destination, 502 for one outside /dav/ (another server). */
export function parseTransfer(req: Request, from: string): Transfer {
  const dest = req.headers.get("destination");
  if (!dest) throw davError(400, "a Destination header is required");
  const to = pathOfUri(dest.trim(), req.url);
  if (to === undefined) throw davError(502, "the Destination is not on this WebDAV server (/dav/)");
  const o = (req.headers.get("overwrite") ?? "T").trim().toUpperCase();
  if (o !== "T" && o !== "F") throw davError(400, "Overwrite must be T or F");
  return { from, to, overwrite: o === "T" };
}

const PAGE = 1000;

/**
 * Every entry below `dir`, parents before children, read a page at a time as a read quorum has it (a folder's
 * rows live on its manifest owners; this node may not have received them yet).
 */
async function* subtree(ctx: DavContext, dir: string): AsyncGenerator<Manifest> {
  let after: string | undefined;
  for (;;) {
    const page = await ctx.fs.listFresh(dir, { limit: PAGE, after });
    for (const m of page) {
      yield m;
      if (m.kind === "dir") yield* subtree(ctx, m.path);
    }
    if (page.length < PAGE) return;
    after = nameOf(page[page.length - 1]!.path);
  }
}

/**
 * A new manifest over the source's chunks (as S3 CopyObject does): no byte is read, hashed or sent again, and the
 * copy keeps the source's layout and metadata. A manifest without a content hash (none is written today) is copied
 * by its bytes.
 */
async function copyFile(ctx: DavContext, m: Manifest, to: string): Promise<void> {
  if (m.sha256 !== null) {
    // An S3 multipart object keeps its parts, so its md5 (the multipart ETag) stays true of the copy.
    const multipart = m.multipart ? { partSizes: m.multipart.partSizes } : undefined;
    await ctx.fs.compose(to, [m], { sha256: m.sha256, md5: m.md5, multipart }, { meta: m.meta });
    return;
  }
  const body = fileReadStream(m, 0, m.size - 1, ctx.reader, ctx.log);
  await ctx.fs.put(to, body, "quorum", { sizeHint: m.size, meta: m.meta });
}

/** Checks shared by COPY and MOVE; returns whether the destination existed (204) or not (201). */
async function prepare(req: Request, ctx: DavContext, t: Transfer, isMove: boolean): Promise<{ src: Manifest; existed: boolean }> {
  const src = ctx.fs.stat(t.from);
  if (t.from === t.to) throw davError(403, "source and destination are the same");
  if (t.to === "") throw davError(403, "the root cannot be replaced");
  if (src.kind === "dir" && (t.to.startsWith(`${t.from}/`) || t.from === "")) {
    throw davError(403, "cannot copy or move a collection into itself");
  }
  const submitted = checkIfHeader(req, ctx, t.from);
  requireParent(ctx, t.to);
  const dest = ctx.fs.lookup(t.to);
  if (dest && !t.overwrite) throw davError(412, `/${t.to} exists and Overwrite is F`);
  const scopes: WriteScope[] = [{ path: t.to, recursive: true, membership: !dest }];
  if (isMove) scopes.push({ path: t.from, recursive: true, membership: true });
  checkLocks(ctx, submitted, scopes);
  if (dest) {
    await ctx.fs.remove(t.to, true);
    ctx.davProperties.deleteTree(t.to);
  }
  return { src, existed: dest !== undefined };
}

/** COPY: Depth infinity (default) copies a collection's members too, Depth 0 only the collection. */
export async function handleCopy(req: Request, ctx: DavContext, t: Transfer): Promise<Response> {
  const d = (req.headers.get("depth") ?? "infinity").trim().toLowerCase();
  if (d !== "0" && d !== "infinity") throw davError(400, "a COPY's Depth must be 0 or infinity");
  const { src, existed } = await prepare(req, ctx, t, false);
  if (src.kind === "file") {
    await copyFile(ctx, src, t.to);
  } else {
    await ctx.fs.mkdir(t.to);
    if (d === "infinity") {
      for await (const m of subtree(ctx, t.from)) {
        const target = joinPath(t.to, m.path.slice(t.from.length + 1));
        if (m.kind === "dir") await ctx.fs.mkdir(target);
        else await copyFile(ctx, m, target);
      }
    }
  }
  ctx.davProperties.copyTree(t.from, t.to, d === "infinity");
  return new Response(null, { status: existed ? 204 : 201 });
}

/** MOVE: a collection always moves whole (Depth infinity); locks on the source are dropped. */
export async function handleMove(req: Request, ctx: DavContext, t: Transfer): Promise<Response> {
  const d = (req.headers.get("depth") ?? "infinity").trim().toLowerCase();
  if (d !== "infinity" && ctx.fs.lookup(t.from)?.kind === "dir") throw davError(400, "a collection's MOVE must have Depth infinity");
  const { existed } = await prepare(req, ctx, t, true);
  await ctx.fs.move(t.from, t.to, false);
  ctx.davProperties.moveTree(t.from, t.to);
  ctx.locks.removeWithin(t.from);
  return new Response(null, { status: existed ? 204 : 201 });
}
