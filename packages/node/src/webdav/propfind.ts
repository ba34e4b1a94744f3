// PROPFIND (RFC 4918 §9.1): parses the request body (allprop, propname or prop) and streams a
// multistatus for the resource and, at Depth 1, its members page by page (bounded memory).
import type { Manifest } from "../metadata/manifest.ts";
import { nameOf } from "../metadata/path.ts";
import type { DeadProperty } from "./dead-properties.ts";
import { davError } from "./errors.ts";
import { isLive, liveNames, liveProperty } from "./live-properties.ts";
import { type DavContext, isDirIn } from "./preconditions.ts";
import { hrefOf } from "./paths.ts";
import {
  DAV,
  davChild,
  elements,
  emptyProp,
  isDav,
  MULTISTATUS_CLOSE,
  MULTISTATUS_OPEN,
  nameOfElement,
  parseXml,
  type PropName,
  propKey,
  propstat,
  responseXml,
} from "./xml.ts";

export type PropfindRequest =
  | { kind: "allprop"; include: PropName[] }
  | { kind: "propname" }
  | { kind: "prop"; names: PropName[] };

/** Parses a PROPFIND body; an empty body means allprop (RFC 4918 §9.1). */
export function parsePropfind(body: string): PropfindRequest {
  if (body.trim() === "") return { kind: "allprop", include: [] };
  const root = parseXml(body);
  if (!isDav(root, "propfind")) throw davError(400, "the PROPFIND body must be a DAV:propfind element");
  if (davChild(root, "propname")) return { kind: "propname" };
  if (davChild(root, "allprop")) {
    const include = davChild(root, "include");
    return { kind: "allprop", include: include ? elements(include).map(nameOfElement) : [] };
  }
  const prop = davChild(root, "prop");
  if (prop) return { kind: "prop", names: elements(prop).map(nameOfElement) };
  throw davError(400, "DAV:propfind needs one of DAV:prop, DAV:allprop or DAV:propname");
}

/** The `<D:response>` for one resource. */
export function propfindResponse(m: Manifest, req: PropfindRequest, ctx: DavContext, dead: DeadProperty[]): string {
  const live = { locks: ctx.locks, isDir: isDirIn(ctx) };
  const href = hrefOf(m.path, m.kind === "dir");
  if (req.kind === "propname") {
    const names = [...liveNames(m).map((name) => emptyProp({ ns: DAV, name })), ...dead.map(emptyProp)];
    return responseXml(href, { propstats: propstat(names.join(""), 200) });
  }
  const found: string[] = [];
  const missing: string[] = [];
  const deadByKey = new Map(dead.map((d) => [propKey(d), d]));
  const lookup = (p: PropName) => {
    const value = isLive(p) ? liveProperty(p.name, m, live) : deadByKey.get(propKey(p))?.xml;
    if (value === undefined) missing.push(emptyProp(p));
    else found.push(value);
  };
  if (req.kind === "allprop") {
    for (const name of liveNames(m)) found.push(liveProperty(name, m, live)!);
    for (const d of dead) found.push(d.xml);
    const seen = new Set([...liveNames(m).map((name) => propKey({ ns: DAV, name })), ...dead.map(propKey)]);
    for (const p of req.include) if (!seen.has(propKey(p))) lookup(p);
  } else {
    const seen = new Set<string>();
    for (const p of req.names) {
      if (seen.has(propKey(p))) continue;
      seen.add(propKey(p));
      lookup(p);
    }
  }
  const propstats = (found.length ? propstat(found.join(""), 200) : "") + (missing.length ? propstat(missing.join(""), 404) : "");
  return responseXml(href, { propstats: propstats || propstat("", 200) });
}

/** Depth from the header; "infinity" (also the default) is refused, as RFC 4918 §9.1 allows. */
export function propfindDepth(header: string | null): 0 | 1 {
  const d = (header ?? "infinity").trim().toLowerCase();
  if (d === "0") return 0;
  if (d === "1") return 1;
  if (d === "infinity") throw davError(403, "PROPFIND with Depth: infinity is not supported; use Depth 0 or 1", "propfind-finite-depth");
  throw davError(400, `invalid Depth header '${header}'`);
}

const PAGE = 1000;

const afterCursor = (page: Manifest[]) => nameOf(page[page.length - 1]!.path);

/**
 * The multistatus body: the resource, then (Depth 1) its members. Up to one page of members it is a
 * string, so the response has a Content-Length (some clients want one); beyond that it streams a
 * page at a time, so a huge directory never sits in memory whole.
 */
export function propfindBody(m: Manifest, depth: 0 | 1, req: PropfindRequest, ctx: DavContext): string | ReadableStream<Uint8Array> {
  const render = (page: Manifest[]) => page.map((e) => propfindResponse(e, req, ctx, ctx.davProperties.list(e.path))).join("");
  const head = MULTISTATUS_OPEN + render([m]);
  if (depth === 0 || m.kind !== "dir") return head + MULTISTATUS_CLOSE;
  const first = ctx.fs.list(m.path, { limit: PAGE });
  if (first.length < PAGE) return head + render(first) + MULTISTATUS_CLOSE;
  const encoder = new TextEncoder();
  let pending: string | undefined = head + render(first);
  let after: string | undefined = afterCursor(first);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pending !== undefined) {
        controller.enqueue(encoder.encode(pending));
        pending = undefined;
        return;
      }
      try {
        const page = ctx.fs.list(m.path, { limit: PAGE, after });
        const done = page.length < PAGE;
        if (!done) after = afterCursor(page);
        controller.enqueue(encoder.encode(render(page) + (done ? MULTISTATUS_CLOSE : "")));
        if (done) controller.close();
      } catch (err) {
        ctx.log.error("PROPFIND failed mid-stream", { path: m.path, err });
        controller.error(err);
      }
    },
  });
}
