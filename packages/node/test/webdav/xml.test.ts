// XML parsing and generation, PROPFIND/PROPPATCH body parsing, and the SQLite dead-property store.
import { describe, expect, test } from "bun:test";
import { openDatabase } from "../../src/store/db.ts";
import { DeadPropertyStore } from "../../src/webdav/dead-properties.ts";
import { DavError } from "../../src/webdav/errors.ts";
import { parseLockInfo } from "../../src/webdav/locking.ts";
import { parsePropfind } from "../../src/webdav/propfind.ts";
import { applyProppatch, parseProppatch } from "../../src/webdav/proppatch.ts";
import { hrefOf, pathOfUri } from "../../src/webdav/paths.ts";
import { emptyProp, escapeXml, parseXml, serializeElement, elements } from "../../src/webdav/xml.ts";
import type { Manifest } from "../../src/metadata/manifest.ts";

const status = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof DavError ? err.status : -1;
  }
  return 0;
};

describe("xml", () => {
  test("escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
  });

  test("malformed XML, a DTD, and a prefix bound to the empty namespace are 400s", () => {
    expect(status(() => parseXml("<foo>"))).toBe(400);
    expect(status(() => parseXml(`<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>`))).toBe(400);
    expect(status(() => parseXml(`<D:propfind xmlns:D="DAV:"><D:prop><bar:foo xmlns:bar=""/></D:prop></D:propfind>`))).toBe(400);
    expect(status(() => parseXml(""))).toBe(400);
  });

  test("a serialized element carries the namespace declarations it inherited", () => {
    const root = parseXml(`<D:prop xmlns:D="DAV:" xmlns:Z="http://z/"><Z:a>1<Z:b/></Z:a><n xmlns="">2</n></D:prop>`);
    const [a, n] = elements(root);
    expect(serializeElement(a!)).toBe(`<Z:a xmlns:Z="http://z/">1<Z:b/></Z:a>`);
    expect(serializeElement(n!)).toBe(`<n xmlns="">2</n>`);
  });

  test("empty property elements for DAV:, null and other namespaces", () => {
    expect(emptyProp({ ns: "DAV:", name: "getetag" })).toBe("<D:getetag/>");
    expect(emptyProp({ ns: "", name: "x" })).toBe(`<x xmlns=""/>`);
    expect(emptyProp({ ns: "http://a/?b&c", name: "x" })).toBe(`<X:x xmlns:X="http://a/?b&amp;c"/>`);
  });

  test("hrefs percent-encode segments; URIs map back to canonical paths", () => {
    expect(hrefOf("", true)).toBe("/dav/");
    expect(hrefOf("a b/€#?", false)).toBe("/dav/a%20b/%E2%82%AC%23%3F");
    expect(hrefOf("dir", true)).toBe("/dav/dir/");
    expect(pathOfUri("http://other:1/dav/a%20b/", "http://h/")).toBe("a b");
    expect(pathOfUri("/dav/x", "http://h/dav/y")).toBe("x");
    expect(pathOfUri("http://h/api/files/x", "http://h/")).toBeUndefined();
    expect(pathOfUri("http://h/dav/../etc", "http://h/")).toBeUndefined();
  });
});

describe("request bodies", () => {
  test("PROPFIND: empty is allprop; propname; prop with namespaces; a wrong root is a 400", () => {
    expect(parsePropfind("")).toEqual({ kind: "allprop", include: [] });
    expect(parsePropfind(`<propfind xmlns="DAV:"><propname/></propfind>`)).toEqual({ kind: "propname" });
    expect(parsePropfind(`<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><x:a xmlns:x="urn:x"/><b xmlns=""/></D:prop></D:propfind>`)).toEqual({
      kind: "prop",
      names: [
        { ns: "DAV:", name: "getetag" },
        { ns: "urn:x", name: "a" },
        { ns: "", name: "b" },
      ],
    });
    expect(status(() => parsePropfind(`<propfind/>`))).toBe(400);
    expect(status(() => parsePropfind(`<D:propfind xmlns:D="DAV:"/>`))).toBe(400);
  });

  test("PROPPATCH: operations in document order, values serialized", () => {
    const ops = parseProppatch(
      `<D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop><Z:a>1</Z:a></D:prop></D:set>` +
        `<D:remove><D:prop><Z:b/></D:prop></D:remove><D:set><D:prop><Z:b>2</Z:b></D:prop></D:set></D:propertyupdate>`,
    );
    expect(ops.map((o) => `${o.op}:${o.prop.name}`)).toEqual(["set:a", "remove:b", "set:b"]);
    expect(ops[0]).toEqual({ op: "set", prop: { ns: "urn:z", name: "a", xml: `<Z:a xmlns:Z="urn:z">1</Z:a>` } });
    expect(status(() => parseProppatch(`<D:propertyupdate xmlns:D="DAV:"/>`))).toBe(400);
  });

  test("PROPPATCH on a live property: 403 for it, 424 for the rest, nothing stored", () => {
    const file = { path: "f", kind: "file" } as Manifest;
    const ops = parseProppatch(
      `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>x</D:getetag><y xmlns="urn:y">1</y></D:prop></D:set></D:propertyupdate>`,
    );
    let patched = false;
    const body = applyProppatch(file, ops, { patch: () => (patched = true) });
    expect(patched).toBe(false);
    expect(body).toContain("HTTP/1.1 403 Forbidden");
    expect(body).toContain("<D:cannot-modify-protected-property/>");
    expect(body).toContain("HTTP/1.1 424 Failed Dependency");
  });

  test("LOCK: scope and owner; only write locks", () => {
    const info = parseLockInfo(
      `<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype>` +
        `<D:owner><D:href>mailto:a@b</D:href></D:owner></D:lockinfo>`,
    );
    expect(info).toEqual({ scope: "shared", owner: `<D:href xmlns:D="DAV:">mailto:a@b</D:href>` });
    expect(status(() => parseLockInfo(`<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:shared/></D:lockscope><D:locktype><D:read/></D:locktype></D:lockinfo>`))).toBe(400);
  });
});

describe("DeadPropertyStore", () => {
  const store = () => new DeadPropertyStore(openDatabase(":memory:"));
  const prop = (name: string, v: string) => ({ ns: "urn:t", name, xml: `<t:${name} xmlns:t="urn:t">${v}</t:${name}>` });
  const names = (s: DeadPropertyStore, path: string) => s.list(path).map((p) => p.name);

  test("set, replace and remove apply in order", () => {
    const s = store();
    s.patch("a", [{ op: "set", prop: prop("x", "1") }, { op: "set", prop: prop("y", "2") }]);
    s.patch("a", [{ op: "remove", prop: { ns: "urn:t", name: "y" } }, { op: "set", prop: prop("x", "3") }]);
    expect(s.list("a")).toEqual([prop("x", "3")]);
  });

  test("subtree operations touch the path and its descendants only (not siblings sharing a prefix)", () => {
    const s = store();
    for (const p of ["d", "d/a", "d/a/b", "dx", "d0", "e"]) s.patch(p, [{ op: "set", prop: prop("p", p) }]);
    s.copyTree("d", "c");
    expect(["c", "c/a", "c/a/b"].map((p) => s.list(p)[0]?.xml)).toEqual([prop("p", "d"), prop("p", "d/a"), prop("p", "d/a/b")].map((p) => p.xml));
    s.moveTree("d", "m");
    expect(names(s, "d/a")).toEqual([]);
    expect(names(s, "m/a/b")).toEqual(["p"]);
    expect(names(s, "dx")).toEqual(["p"]);
    expect(names(s, "d0")).toEqual(["p"]);
    s.deleteTree("m");
    expect(names(s, "m")).toEqual([]);
    expect(names(s, "m/a")).toEqual([]);
    expect(names(s, "e")).toEqual(["p"]);
  });

  test("a shallow copy takes the collection's own properties only", () => {
    const s = store();
    s.patch("d", [{ op: "set", prop: prop("p", "d") }]);
    s.patch("d/a", [{ op: "set", prop: prop("p", "a") }]);
    s.copyTree("d", "c", false);
    expect(names(s, "c")).toEqual(["p"]);
    expect(names(s, "c/a")).toEqual([]);
  });
});
