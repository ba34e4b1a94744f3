// Versioning through the files API and the CLI on three real nodes: a folder's switch set through one node
// holds on all, overwrites keep versions that any node lists and serves, a version restored becomes the
// current content, a deleted file shows in the folder's trash and comes back from it, bad input gets
// {error, code}, and the versions' namespace cannot be read or written as files. Then the limits:
// KEEP_VERSIONS prunes old versions in the garbage collector, and the chunks only they used go with them
// while the kept versions' chunks stay; KEEP_DAYS prunes a version once it was replaced that long ago.
import { afterAll, describe, expect, test } from "bun:test";
import { orrery } from "../harness/cli.ts";
import { getBytes, put, randomBytes, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster | undefined;
afterAll(() => cluster?.stop());

interface VersionJson {
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size?: number;
}
const jsonOf = async <T>(res: Response | Promise<Response>) => (await (await res).json()) as T;
const versionsOf = (url: string, path: string) => jsonOf<{ versions: VersionJson[] }>(fetch(`${url}/api/versions/${path}`)).then((r) => r.versions);
const send = (url: string, method: string, path: string, body?: unknown) =>
  fetch(`${url}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The paths of the change events `/api/changes?path=/` sends while `act` runs (and a moment after). */
async function changesOf(url: string, act: () => Promise<void>): Promise<string[]> {
  const res = await fetch(`${url}/api/changes?path=/`);
  const reader = res.body!.getReader();
  let buffered = "";
  const paths: string[] = [];
  const readUntil = async (done: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => undefined)]);
      if (!chunk || chunk.done) break;
      buffered += new TextDecoder().decode(chunk.value);
    }
  };
  await readUntil(() => buffered.includes("event: ready"), 5000);
  await act();
  await readUntil(() => false, 1500);
  await reader.cancel();
  for (const m of buffered.matchAll(/^data: (.*)$/gm)) {
    const data = JSON.parse(m[1]!) as { path?: string };
    if (data.path) paths.push(data.path);
  }
  return paths;
}

describe("versions through the files API", () => {
  test("switch, list, read, restore, trash, errors", async () => {
    cluster = await TestCluster.start(3);
    const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    expect((await send(a, "POST", "/api/mkdir", { path: "/docs" })).status).toBe(201);
    const on = await send(a, "PUT", "/api/versioning/docs", { status: "Enabled" });
    expect(on.status).toBe(200);
    expect(await jsonOf<{ status: string }>(on)).toMatchObject({ folder: "/docs", status: "Enabled" });
    await waitFor(async () => (await jsonOf<{ status: string }>(fetch(`${c}/api/versioning/docs`))).status === "Enabled", 10_000, "the switch on every node");

    expect((await put(a, "docs/a.txt", "one")).status).toBe(201);
    expect((await put(b, "docs/a.txt", "two, longer")).status).toBe(201);
    const listed = await versionsOf(c, "docs/a.txt");
    expect(listed.map((v) => [v.isLatest, v.size])).toEqual([[true, 11], [false, 3]]);
    const old = listed[1]!.versionId;
    expect(text(await getBytes(c, `docs/a.txt?versionId=${encodeURIComponent(old)}`))).toBe("one");

    const restored = await send(b, "POST", "/api/versions/docs/a.txt/restore", { versionId: old });
    expect(restored.status).toBe(201);
    expect(text(await getBytes(c, "docs/a.txt"))).toBe("one");
    expect((await versionsOf(a, "docs/a.txt")).map((v) => v.size)).toEqual([3, 11, 3]);

    expect((await fetch(`${a}/api/files/docs/a.txt`, { method: "DELETE" })).status).toBe(200);
    expect((await fetch(`${a}/api/files/docs/a.txt`)).status).toBe(404);
    const trash = await jsonOf<{ entries: Array<{ path: string; versionId: string; size: number }> }>(fetch(`${a}/api/trash/docs`));
    expect(trash.entries.map((e) => [e.path, e.size])).toEqual([["/docs/a.txt", 3]]);
    expect((await send(c, "POST", "/api/versions/docs/a.txt/restore", { versionId: trash.entries[0]!.versionId })).status).toBe(201);
    expect(text(await getBytes(b, "docs/a.txt"))).toBe("one");
    expect((await jsonOf<{ entries: unknown[] }>(fetch(`${a}/api/trash/docs`))).entries).toEqual([]);

    // Removing a version for good.
    const gone = (await versionsOf(a, "docs/a.txt")).find((v) => !v.isLatest && v.size === 11)!.versionId;
    expect((await fetch(`${b}/api/versions/docs/a.txt?versionId=${encodeURIComponent(gone)}`, { method: "DELETE" })).status).toBe(200);
    expect((await versionsOf(c, "docs/a.txt")).some((v) => v.versionId === gone)).toBe(false);

    // Bad input: {error, code}.
    const bad = async (res: Promise<Response>, status: number, code: string) => {
      const r = await res;
      expect([r.status, ((await r.json()) as { code: string }).code]).toEqual([status, code]);
    };
    await bad(send(a, "POST", "/api/versions/docs/a.txt/restore", { versionId: "nope" }), 400, "invalid_body");
    await bad(send(a, "POST", "/api/versions/docs/a.txt/restore", { versionId: "000000000000000000@nobody" }), 404, "no_such_version");
    await bad(send(a, "POST", "/api/versions/docs/a.txt/restore", { versionId: old, extra: 1 }), 400, "invalid_body");
    await bad(send(a, "PUT", "/api/versioning/docs", { status: "On" }), 400, "invalid_body");
    await bad(send(a, "PUT", "/api/versioning/docs/sub", { status: "Enabled" }), 400, "not_a_top_level_folder");
    await bad(send(a, "PUT", "/api/versioning/nothere", { status: "Enabled" }), 404, "not_found");
    await bad(fetch(`${a}/api/versions/docs/a.txt?versionId=bad`, { method: "DELETE" }), 400, "invalid_version_id");
    await bad(put(a, ".orrery-versions/docs/a.txt/x", "sneaky"), 400, "reserved_path");
    const long = `docs/${["w", "x", "y", "z"].map((c) => c.repeat(200)).join("/")}/${"f".repeat(130)}`; // 939 bytes: no room for a version id
    await bad(put(a, long, "too long to keep versions of"), 400, "path_too_long_for_versions");
    await bad(send(a, "POST", "/api/mkdir", { path: "/.orrery-versions/x" }), 400, "reserved_path");
    await bad(fetch(`${a}/api/files/.orrery-versions/docs/a.txt/${encodeURIComponent(old)}`), 404, "not_found");
    await bad(fetch(`${a}/api/files/.orrery-versions/`), 404, "not_found");
    const root = await jsonOf<{ entries: Array<{ name: string }> }>(fetch(`${a}/api/files/`));
    expect(root.entries.map((e) => e.name)).toEqual(["docs"]);
    // WebDAV: not listed, not readable, not writable.
    const propfind = await fetch(`${a}/dav/`, { method: "PROPFIND", headers: { depth: "1" } });
    expect(propfind.status).toBe(207);
    expect(await propfind.text()).not.toContain("orrery-versions");
    expect((await fetch(`${a}/dav/.orrery-versions/docs/a.txt/${encodeURIComponent(old)}`)).status).toBe(404);
    expect((await fetch(`${a}/dav/.orrery-versions/x`, { method: "PUT", body: "sneaky" })).status).toBe(409); // no such parent
    expect((await fetch(`${a}/dav/.orrery-versions`, { method: "PUT", body: "sneaky" })).status).toBe(400);
    expect((await fetch(`${a}/dav/.orrery-versions`, { method: "MKCOL" })).status).toBeGreaterThanOrEqual(400);

    // The change feed of the root reports the write, never its version rows.
    const feed = await changesOf(a, async () => void expect((await put(b, "docs/feed.txt", "v")).status).toBe(201));
    expect(feed).toContain("/docs/feed.txt");
    expect(feed.filter((p) => p.includes("orrery-versions"))).toEqual([]);

    // The CLI: status, off (suspended), on.
    const status = await orrery(["versioning", "status", "/docs", "--node", a]);
    expect([status.code, status.stdout.trim()]).toEqual([0, "versioning of /docs: on"]);
    const off = await orrery(["versioning", "off", "/docs", "--node", b, "--json"]);
    expect(JSON.parse(off.stdout)).toMatchObject({ folder: "/docs", status: "Suspended" });
    expect((await orrery(["versioning", "status", "docs/a.txt", "--node", a])).code).toBe(2);
  }, 120_000);
});

describe("KEEP_VERSIONS in the garbage collector", () => {
  test("old versions are pruned, their chunks collected, the kept versions' chunks kept", async () => {
    await cluster?.stop();
    cluster = await TestCluster.start(3, { env: { KEEP_VERSIONS: "2", GC_INTERVAL_S: "0.5", GC_MIN_CHUNK_AGE_S: "1", GC_MIN_TOMBSTONE_AGE_S: "1" } });
    const c = cluster;
    const [a, b] = c.nodes.map((n) => n.url) as [string, string];
    await send(a, "POST", "/api/mkdir", { path: "/keep" });
    expect((await send(a, "PUT", "/api/versioning/keep", { status: "Enabled" })).status).toBe(200);
    const chunks: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const res = await put(i % 2 ? b : a, "keep/f.bin", randomBytes(100_000 + i));
      expect(res.status).toBe(201);
      chunks.push(((await res.json()) as { chunks: string[] }).chunks);
    }
    await waitFor(async () => (await versionsOf(b, "keep/f.bin")).length === 2, 30_000, "the versions pruned to 2");
    const kept = await versionsOf(a, "keep/f.bin");
    expect(kept.map((v) => v.size)).toEqual([100_003, 100_002]);
    await waitFor(() => chunks.slice(0, 2).flat().every((id) => !c.copies().has(id)), 30_000, "the pruned versions' chunks collected");
    for (const id of chunks.slice(2).flat()) expect(c.copies().get(id)).toBe(3);
    expect((await getBytes(b, `keep/f.bin?versionId=${encodeURIComponent(kept[1]!.versionId)}`)).length).toBe(100_002);
    // The limit is a live setting too: lowered to 1 through one node, every file keeps only its current version.
    expect((await send(b, "PUT", "/api/cluster/settings", { keepVersions: 1 })).status).toBe(200);
    await waitFor(async () => (await versionsOf(a, "keep/f.bin")).length === 1, 30_000, "the versions pruned to 1 by the live setting");
    expect((await getBytes(a, "keep/f.bin")).length).toBe(100_003);
  }, 120_000);
});

describe("KEEP_DAYS in the garbage collector", () => {
  test("a version goes once it was replaced more than KEEP_DAYS ago, not by its age; the current one stays", async () => {
    await cluster?.stop();
    // 0.00005 days = 4.32 s.
    const keepMs = 0.00005 * 86_400_000;
    cluster = await TestCluster.start(3, { env: { KEEP_DAYS: "0.00005", GC_INTERVAL_S: "0.5", GC_MIN_CHUNK_AGE_S: "1", GC_MIN_TOMBSTONE_AGE_S: "1" } });
    const [a, b, c] = cluster.nodes.map((n) => n.url) as [string, string, string];
    await send(a, "POST", "/api/mkdir", { path: "/days" });
    expect((await send(b, "PUT", "/api/versioning/days", { status: "Enabled" })).status).toBe(200);
    const sizes = async () => (await versionsOf(c, "days/f.txt")).map((v) => v.size);

    expect((await put(a, "days/f.txt", "one")).status).toBe(201);
    const secondAt = Date.now();
    expect((await put(b, "days/f.txt", "two!")).status).toBe(201);
    expect(await sizes()).toEqual([4, 3]);
    // "one" was replaced at secondAt; "two!" is replaced 6 s later, so it outlives "one" by that long.
    await Bun.sleep(6000 - (Date.now() - secondAt));
    const thirdAt = Date.now();
    expect((await put(c, "days/f.txt", "three")).status).toBe(201);
    await waitFor(async () => (await sizes()).length === 2, 30_000, "the version replaced first pruned");
    expect(Date.now() - secondAt).toBeGreaterThan(keepMs);
    expect(await sizes()).toEqual([5, 4]);
    // Older than KEEP_DAYS by now, but replaced only 2.5 s ago: kept.
    await Bun.sleep(2500 - (Date.now() - thirdAt));
    expect(await sizes()).toEqual([5, 4]);
    const older = (await versionsOf(a, "days/f.txt"))[1]!;
    expect(text(await getBytes(a, `days/f.txt?versionId=${encodeURIComponent(older.versionId)}`))).toBe("two!");

    await waitFor(async () => (await sizes()).length === 1, 30_000, "the version replaced second pruned");
    expect(Date.now() - thirdAt).toBeGreaterThan(keepMs);
    for (const url of [a, b, c]) expect(text(await getBytes(url, "days/f.txt"))).toBe("three");
  }, 120_000);
});
