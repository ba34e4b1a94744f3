// XML for WebDAV: namespace-aware parsing of request bodies (via @xmldom/xmldom) and careful,
// escaped generation of multistatus responses. Responses bind DAV: to the prefix D and no default namespace.
import { DOMParser, type Element, XMLSerializer } from "@xmldom/xmldom";
import { davError } from "./errors.ts";

export const DAV = "DAV:";
/** Request bodies larger than this are refused (property values and lock owners are small). */
export const MAX_XML_BYTES = 1024 * 1024;

/** A property's name: namespace URI ("" for none) and local name. */
export interface PropName {
  ns: string;
  name: string;
}

export const propKey = (p: PropName) => `${p.ns}\u0000${p.name}`;

/** Escapes text for element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** Parses a request body; malformed XML, a DTD, or a namespace error is a 400. */
export function parseXml(text: string): Element {
  let doc;
  try {
    doc = new DOMParser({
      onError: (level: string, message: string) => {
        if (level !== "warning") throw new Error(message);
      },
    }).parseFromString(text, "application/xml");
  } catch (err) {
    throw davError(400, `malformed XML body: ${(err as Error).message}`);
  }
  // No entity expansion happens here, but a DTD has no business in a WebDAV body: refuse it outright.
  if (doc.doctype) throw davError(400, "a DTD is not allowed in a WebDAV request body");
  const root = doc.documentElement;
  if (!root) throw davError(400, "XML body has no root element");
  return root;
}

/** Reads a request body as text, refusing bodies over MAX_XML_BYTES; "" when there is none. */
export async function readXmlBody(req: Request): Promise<string> {
  const length = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(length) && length > MAX_XML_BYTES) throw davError(413, "XML body too large");
  if (!req.body) return "";
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_XML_BYTES) {
      await reader.cancel();
      throw davError(413, "XML body too large");
    }
    parts.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(parts));
}

/** Element children only (text, comments and processing instructions skipped). */
export function elements(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

export const isDav = (el: Element, name: string) => el.namespaceURI === DAV && el.localName === name;

export const nameOfElement = (el: Element): PropName => ({ ns: el.namespaceURI ?? "", name: el.localName ?? el.nodeName });

/** The first DAV:`name` child, if any. */
export const davChild = (el: Element, name: string) => elements(el).find((c) => isDav(c, name));

/** The element as XML text carrying every namespace declaration it needs, so it can be replayed anywhere. */
export const serializeElement = (el: Element) => new XMLSerializer().serializeToString(el);

/** The element's children as XML text (for echoing a lock owner). */
export function serializeChildren(el: Element): string {
  const s = new XMLSerializer();
  let out = "";
  for (let n = el.firstChild; n; n = n.nextSibling) out += s.serializeToString(n);
  return out;
}

/** An empty element for a property name, declaring its namespace unless it is DAV:. */
export function emptyProp(p: PropName): string {
  if (p.ns === DAV) return `<D:${p.name}/>`;
  if (p.ns === "") return `<${p.name} xmlns=""/>`;
  return `<X:${p.name} xmlns:X="${escapeXml(p.ns)}"/>`;
}

/** A DAV: property with already-escaped XML content. */
export const davProp = (name: string, inner: string) => (inner === "" ? `<D:${name}/>` : `<D:${name}>${inner}</D:${name}>`);

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  412: "Precondition Failed",
  423: "Locked",
  424: "Failed Dependency",
  500: "Internal Server Error",
  507: "Insufficient Storage",
};

export const statusLine = (status: number) => `HTTP/1.1 ${status} ${REASONS[status] ?? ""}`.trimEnd();

/** One `<D:propstat>` block: property XML already built, plus the status it shares. */
export const propstat = (propsXml: string, status: number) =>
  `<D:propstat><D:prop>${propsXml}</D:prop><D:status>${statusLine(status)}</D:status></D:propstat>`;

/** One `<D:response>`: an href and either propstats or a bare status. */
export const responseXml = (href: string, body: { propstats: string } | { status: number }) =>
  `<D:response><D:href>${escapeXml(href)}</D:href>${
    "propstats" in body ? body.propstats : `<D:status>${statusLine(body.status)}</D:status>`
  }</D:response>`;

export const XML_HEAD = `<?xml version="1.0" encoding="utf-8"?>\n`;
export const MULTISTATUS_OPEN = `${XML_HEAD}<D:multistatus xmlns:D="DAV:">`;
export const MULTISTATUS_CLOSE = `</D:multistatus>`;

export const multistatus = (responses: string[]) => `${MULTISTATUS_OPEN}${responses.join("")}${MULTISTATUS_CLOSE}`;
