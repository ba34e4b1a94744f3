// PROPFIND responses built from manifests: allprop/propname/prop, 404 propstats, and a Depth 1
// listing of a large directory that streams page by page yet stays one well-formed multistatus.
import { describe, expect, test } from "bun:test";
import type { Manifest } from "../../src/metadata/manifest.ts";
import { DOMParser } from "@xmldom/xmldom";
import { LockTable } from "../../src/webdav/locks.ts";
import type { DavContext } from "../../src/webdav/preconditions.ts";
import { parsePropfind, propfindBody, propfindResponse } from "../../src/webdav/propfind.ts";

const entry = (path: string, kind: "file" | "dir" = "file"): Manifest => ({
  path,
  kind,
  version: "v1",
  deleted: false,
  size: kind === "file" ? 3 : 0,
  sha256: kind === "file" ? "ab".repeat(32) : null,
  chunkSize: kind === "file" ? 1024 : 0,
  chunks: [],
  mtime: Date.UTC(2026, 0, 2, 3, 4, 5),
  origin: "n1",
  seq: 1,
});

/** A directory `big` with `n` files, served by a stub file system that pages like the real one. */
function stubContext(n: number): { ctx: DavContext; listCalls: () => number } {
  const names = Array.from({ length: n }, (_, i) => `f${String(i).padStart(5, "0")}.txt`);
  let calls = 0;
  const fs = {
    lookup: (p: string) => (p === "big" ? entry("big", "dir") : undefined),
    list: (_dir: string, opts: { limit?: number; after?: string } = {}) => {
      calls++;
      const from = opts.after === undefined ? 0 : names.indexOf(opts.after) + 1;
      return names.slice(from, from + (opts.limit ?? 1000)).map((name) => entry(`big/${name}`));
    },
  };
  const ctx = { fs, davProperties: { list: () => [] }, locks: new LockTable(), log: console } as unknown as DavContext;
  return { ctx, listCalls: () => calls };
}

describe("propfindResponse", () => {
  const { ctx } = stubContext(0);
  const file = entry("dir/a b.txt");

  test("prop: found properties under 200, unknown ones under 404", () => {
    const xml = propfindResponse(
      file,
      parsePropfind(`<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontentlength/><x:nope xmlns:x="urn:x"/></D:prop></D:propfind>`),
      ctx,
      [],
    );
    expect(xml).toContain("<D:href>/dav/dir/a%20b.txt</D:href>");
    expect(xml).toContain(`<D:getetag>&quot;${"ab".repeat(16)}&quot;</D:getetag><D:getcontentlength>3</D:getcontentlength>`);
    expect(xml).toContain(`<D:prop><X:nope xmlns:X="urn:x"/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status>`);
  });

  test("allprop includes live and dead properties; a collection has no length or etag", () => {
    const dir = entry("d", "dir");
    const dead = [{ ns: "urn:z", name: "c", xml: `<z:c xmlns:z="urn:z">1</z:c>` }];
    const xml = propfindResponse(dir, parsePropfind(""), ctx, dead);
    expect(xml).toContain("<D:href>/dav/d/</D:href>");
    expect(xml).toContain("<D:resourcetype><D:collection/></D:resourcetype>");
    expect(xml).toContain("<D:getlastmodified>Fri, 02 Jan 2026 03:04:05 GMT</D:getlastmodified>");
    expect(xml).toContain(`<z:c xmlns:z="urn:z">1</z:c>`);
    expect(xml).not.toContain("getcontentlength");
    expect(xml).not.toContain("getetag");
  });

  test("propname lists names without values", () => {
    const xml = propfindResponse(file, parsePropfind(`<propfind xmlns="DAV:"><propname/></propfind>`), ctx, [
      { ns: "urn:z", name: "c", xml: "<z:c xmlns:z='urn:z'>secret</z:c>" },
    ]);
    expect(xml).toContain("<D:getcontentlength/>");
    expect(xml).toContain(`<X:c xmlns:X="urn:z"/>`);
    expect(xml).not.toContain("secret");
  });
});

describe("propfindBody", () => {
  const readAll = async (body: string | ReadableStream<Uint8Array>) => (typeof body === "string" ? body : await new Response(body).text());

  test("a small directory is one string (so the response has a Content-Length)", async () => {
    const { ctx } = stubContext(10);
    const body = propfindBody(entry("big", "dir"), 1, parsePropfind(""), ctx);
    expect(typeof body).toBe("string");
    expect(((await readAll(body)).match(/<D:response>/g) ?? []).length).toBe(11);
  });

  test("a directory of 2,500 entries streams in pages and is one well-formed multistatus", async () => {
    const { ctx, listCalls } = stubContext(2500);
    const body = propfindBody(entry("big", "dir"), 1, parsePropfind(""), ctx);
    expect(body).toBeInstanceOf(ReadableStream);
    const text = await readAll(body);
    expect(listCalls()).toBe(3);
    const doc = new DOMParser().parseFromString(text, "application/xml");
    const hrefs = Array.from(doc.getElementsByTagNameNS("DAV:", "href") as unknown as ArrayLike<{ textContent: string }>).map((h) => h.textContent);
    expect(hrefs.length).toBe(2501);
    expect(new Set(hrefs).size).toBe(2501);
    expect(hrefs[2500]).toBe("/dav/big/f02499.txt");
  });

  test("Depth 0 lists the collection alone", async () => {
    const { ctx, listCalls } = stubContext(5);
    const text = await readAll(propfindBody(entry("big", "dir"), 0, parsePropfind(""), ctx));
    expect((text.match(/<D:response>/g) ?? []).length).toBe(1);
    expect(listCalls()).toBe(0);
  });
});
