// PROPPATCH (RFC 4918 §9.2): set and remove dead properties in document order, all or nothing.
// Live properties are protected: touching one fails the request (403), and the rest with 424.
import type { Manifest } from "../metadata/manifest.ts";
import type { PropertyOp } from "./dead-properties.ts";
import { davError } from "./errors.ts";
import { isLive } from "./live-properties.ts";
import { hrefOf } from "./paths.ts";
import {
  davChild,
  elements,
  emptyProp,
  isDav,
  multistatus,
  nameOfElement,
  parseXml,
  propstat,
  responseXml,
  serializeElement,
} from "./xml.ts";

/** Parses a DAV:propertyupdate body into ordered set/remove operations. */
export function parseProppatch(body: string): PropertyOp[] {
  if (body.trim() === "") throw davError(400, "PROPPATCH needs a DAV:propertyupdate body");
  const root = parseXml(body);
  if (!isDav(root, "propertyupdate")) throw davError(400, "the PROPPATCH body must be a DAV:propertyupdate element");
  const ops: PropertyOp[] = [];
  for (const action of elements(root)) {
    const set = isDav(action, "set");
    if (!set && !isDav(action, "remove")) continue; // unknown extensions are ignored (RFC 4918 §17)
    const prop = davChild(action, "prop");
    if (!prop) throw davError(400, `DAV:${action.localName} needs a DAV:prop child`);
    for (const el of elements(prop)) {
      const name = nameOfElement(el);
      ops.push(set ? { op: "set", prop: { ...name, xml: serializeElement(el) } } : { op: "remove", prop: name });
    }
  }
  if (ops.length === 0) throw davError(400, "DAV:propertyupdate names no property");
  return ops;
}

/** Applies the operations (or none of them) and returns the multistatus body. */
export function applyProppatch(m: Manifest, ops: PropertyOp[], store: { patch(path: string, ops: PropertyOp[]): void }): string {
  const href = hrefOf(m.path, m.kind === "dir");
  const names = new Map(ops.map((o) => [`${o.prop.ns}\u0000${o.prop.name}`, o.prop]));
  const protectedOnes = [...names.values()].filter(isLive);
  if (protectedOnes.length > 0) {
    const others = [...names.values()].filter((p) => !isLive(p));
    const propstats =
      `<D:propstat><D:prop>${protectedOnes.map(emptyProp).join("")}</D:prop><D:status>HTTP/1.1 403 Forbidden</D:status>` +
      `<D:error><D:cannot-modify-protected-property/></D:error></D:propstat>` +
      (others.length ? propstat(others.map(emptyProp).join(""), 424) : "");
    return multistatus([responseXml(href, { propstats })]);
  }
  store.patch(m.path, ops);
  return multistatus([responseXml(href, { propstats: propstat([...names.values()].map(emptyProp).join(""), 200) })]);
}
