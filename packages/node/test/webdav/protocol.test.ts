// WebDAV semantics on a real node beyond what litmus checks: RFC 4918 status codes, one tree shared
// with the files API, Range reads, lock expiry, and dead properties that survive a restart.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getBytes, put, randomBytes, sha256, TestCluster } from "../harness/cluster.ts";

let cluster: TestCluster;
let url: string;

beforeAll(async () => {
  cluster = await TestCluster.start(1, { replicationFactor: 3 });
  url = cluster.nodes[0]!.url;
});
afterAll(async () => {
  await cluster?.stop();
});

const dav = (method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string> } = {}) =>
  fetch(`${url}/dav/${path}`, { method, ...init });
const propfind = async (path: string, body = "", depth = "0") => {
  const res = await dav("PROPFIND", path, { body, headers: { depth } });
  return { status: res.status, text: await res.text() };
};
const lockBody = (scope = "exclusive") =>
  `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope>` +
  `<D:locktype><D:write/></D:locktype><D:owner>tester</D:owner></D:lockinfo>`;

describe("COPY by manifest", () => {
  test("a copy shares the source's chunks and layout, even after the chunk size changed; its bytes are the source's", async () => {
    const data = randomBytes(2 * 1024 * 1024 + 12_345); // three chunks at the harness's 1 MiB
    expect((await dav("MKCOL", "cm")).status).toBe(201);
    const res = await put(url, "cm/src.bin", data);
    const chunks = ((await res.json()) as { chunks: string[] }).chunks;
    expect(chunks.length).toBe(3);
    const setSize = (chunkSizeMiB: number) =>
      fetch(`${url}/api/cluster/settings`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ chunkSizeMiB }) });
    expect((await setSize(4)).status).toBe(200);
    try {
      // Copied by its bytes, the file would now be cut into one 4 MiB chunk with another id.
      const copied = await dav("COPY", "cm/src.bin", { headers: { destination: `${url}/dav/cm/copy.bin` } });
      expect(copied.status).toBe(201);
      const stat = (await (await fetch(`${url}/api/stat/cm/copy.bin`)).json()) as { chunks: Array<{ id: string }>; size: number; sha256: string };
      expect(stat.chunks.map((c) => c.id)).toEqual(chunks);
      expect(stat.size).toBe(data.length);
      expect(stat.sha256).toBe(sha256(data));
      expect(sha256(await getBytes(url, "cm/copy.bin"))).toBe(sha256(data));
    } finally {
      expect((await setSize(1)).status).toBe(200);
    }
  });
});

describe("status codes (RFC 4918)", () => {
  test("OPTIONS advertises class 1 and 2", async () => {
    const res = await dav("OPTIONS", "");
    expect(res.status).toBe(200);
    expect(res.headers.get("dav")).toBe("1, 2");
    expect(res.headers.get("allow")).toContain("PROPFIND");
  });

  test("MKCOL: 201, 405 on an existing collection, 409 without a parent, 415 with a body", async () => {
    expect((await dav("MKCOL", "c1")).status).toBe(201);
    expect((await dav("MKCOL", "c1")).status).toBe(405);
    expect((await dav("MKCOL", "nope/c2")).status).toBe(409);
    expect((await dav("MKCOL", "c3", { body: "<x/>", headers: { "content-type": "text/xml" } })).status).toBe(415);
  });

  test("MKCOL where a file is: 405 with or without '/', and no folder is made beside the file (RFC 4918 §9.3.1)", async () => {
    expect((await dav("MKCOL", "mf")).status).toBe(201);
    expect((await dav("PUT", "mf/plain", { body: "a file" })).status).toBe(201);
    for (const path of ["mf/plain", "mf/plain/"]) {
      const res = await dav("MKCOL", path);
      expect([path, res.status, res.headers.get("content-type")?.includes("json") ?? false]).toEqual([path, 405, false]);
    }
    const listing = await propfind("mf/", "", "1");
    const hrefs = [...listing.text.matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => m[1]);
    expect(hrefs).toEqual(["/dav/mf/", "/dav/mf/plain"]);
  });

  test("PUT: 201 then 204, 409 without a parent, 405 on a collection; errors are not JSON", async () => {
    expect((await dav("PUT", "c1/f.txt", { body: "one" })).status).toBe(201);
    expect((await dav("PUT", "c1/f.txt", { body: "two" })).status).toBe(204);
    const res = await dav("PUT", "missing/f.txt", { body: "x" });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).not.toContain("json");
    expect((await dav("PUT", "c1", { body: "x" })).status).toBe(405);
    expect((await dav("GET", "nothing-here")).status).toBe(404);
  });

  test("COPY and MOVE: 201 new, 204 overwritten, 412 with Overwrite: F, 409 without a parent, 400 without Destination", async () => {
    const dest = (p: string) => ({ destination: `${url}/dav/${p}` });
    expect((await dav("COPY", "c1/f.txt", { headers: dest("c1/g.txt") })).status).toBe(201);
    expect((await dav("COPY", "c1/f.txt", { headers: dest("c1/g.txt") })).status).toBe(204);
    expect((await dav("COPY", "c1/f.txt", { headers: { ...dest("c1/g.txt"), overwrite: "F" } })).status).toBe(412);
    expect((await dav("MOVE", "c1/g.txt", { headers: { ...dest("c1/f.txt"), overwrite: "F" } })).status).toBe(412);
    expect((await dav("COPY", "c1/f.txt", { headers: dest("nope/x") })).status).toBe(409);
    expect((await dav("COPY", "c1/f.txt")).status).toBe(400);
    expect((await dav("MOVE", "c1/g.txt", { headers: dest("c1/h.txt") })).status).toBe(201);
    expect(new TextDecoder().decode(await getBytes(url, "c1/h.txt"))).toBe("two");
    expect((await fetch(`${url}/api/files/c1/g.txt`)).status).toBe(404);
  });

  test("PROPFIND: Depth infinity is refused with propfind-finite-depth; a missing resource is 404", async () => {
    const inf = await propfind("", "", "infinity");
    expect(inf.status).toBe(403);
    expect(inf.text).toContain("propfind-finite-depth");
    expect((await propfind("no/such")).status).toBe(404);
  });
});

describe("one tree with the files API", () => {
  test("a file PUT through the files API is listed by PROPFIND and read with Range", async () => {
    const data = randomBytes(2_200_000);
    expect((await put(url, "shared/blob.bin", data)).status).toBe(201);
    const { status, text } = await propfind("shared/", "", "1");
    expect(status).toBe(207);
    expect(text).toContain("<D:href>/dav/shared/blob.bin</D:href>");
    expect(text).toContain(`<D:getcontentlength>${data.length}</D:getcontentlength>`);
    const res = await dav("GET", "shared/blob.bin", { headers: { range: "bytes=1048570-1048589" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 1048570-1048589/${data.length}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(data.subarray(1048570, 1048590));
  });

  test("GET on a collection is an HTML index with escaped, encoded links", async () => {
    expect((await put(url, "shared/<b>&.txt", "x")).status).toBe(201);
    const res = await dav("GET", "shared/");
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain(`<a href="/dav/shared/%3Cb%3E%26.txt">&lt;b&gt;&amp;.txt</a>`);
  });

  test("a file PUT through WebDAV is read back by the files API", async () => {
    const data = randomBytes(300_000);
    expect((await dav("PUT", "shared/dav.bin", { body: data })).status).toBe(201);
    expect(sha256(await getBytes(url, "shared/dav.bin"))).toBe(sha256(data));
  });
});

describe("locks", () => {
  test("a locked file refuses writes without its token, accepts them with it, and unlocks", async () => {
    await dav("PUT", "locked.txt", { body: "v1" });
    const lock = await dav("LOCK", "locked.txt", { body: lockBody(), headers: { timeout: "Second-60" } });
    expect(lock.status).toBe(200);
    const token = lock.headers.get("lock-token")!.slice(1, -1);
    expect(token).toStartWith("opaquelocktoken:");
    expect(await lock.text()).toContain("<D:owner>tester</D:owner>");
    const refused = await dav("PUT", "locked.txt", { body: "v2" });
    expect(refused.status).toBe(423);
    expect(await refused.text()).toContain("lock-token-submitted");
    expect((await dav("DELETE", "locked.txt")).status).toBe(423);
    expect((await dav("PUT", "locked.txt", { body: "v2", headers: { if: `(<${token}>)` } })).status).toBe(204);
    expect((await dav("UNLOCK", "locked.txt", { headers: { "lock-token": `<${token}>` } })).status).toBe(204);
    expect((await dav("PUT", "locked.txt", { body: "v3" })).status).toBe(204);
  });

  test("a lock times out", async () => {
    await dav("PUT", "brief.txt", { body: "x" });
    const lock = await dav("LOCK", "brief.txt", { body: lockBody(), headers: { timeout: "Second-1" } });
    expect(lock.status).toBe(200);
    expect((await dav("PUT", "brief.txt", { body: "y" })).status).toBe(423);
    await Bun.sleep(1100);
    expect((await dav("PUT", "brief.txt", { body: "y" })).status).toBe(204);
  });
});

describe("dead properties", () => {
  test("PROPPATCH values persist across a restart, follow MOVE, and live properties are protected", async () => {
    await dav("PUT", "props.txt", { body: "p" });
    const patch = await dav("PROPPATCH", "props.txt", {
      body:
        `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:example:z"><D:set><D:prop>` +
        `<Z:colour>blue &amp; <Z:shade>dark</Z:shade></Z:colour></D:prop></D:set></D:propertyupdate>`,
    });
    expect(patch.status).toBe(207);
    expect(await patch.text()).toContain("HTTP/1.1 200 OK");

    const node = cluster.nodes[0]!;
    await node.stop();
    await cluster.restart(node);

    const ask = `<D:propfind xmlns:D="DAV:"><D:prop><Q:colour xmlns:Q="urn:example:z"/></D:prop></D:propfind>`;
    expect((await propfind("props.txt", ask)).text).toContain(`<Z:colour xmlns:Z="urn:example:z">blue &amp; <Z:shade>dark</Z:shade></Z:colour>`);
    expect((await dav("MOVE", "props.txt", { headers: { destination: `${url}/dav/props2.txt` } })).status).toBe(201);
    expect((await propfind("props2.txt", ask)).text).toContain("blue &amp;");

    const live = await dav("PROPPATCH", "props2.txt", {
      body: `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>x</D:getetag></D:prop></D:set></D:propertyupdate>`,
    });
    expect(live.status).toBe(207);
    expect(await live.text()).toContain("403 Forbidden");
  });
});
