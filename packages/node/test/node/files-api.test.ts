// The files API's semantics on a real node: directories, moves, deletes, conflicts and listings.
import { defaultSwimConfig } from "../../src/membership/swim-config.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorSchema } from "@orrery/api";
import { answer, getAnswer } from "../harness/api.ts";
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

const post = (path: string, body: unknown) =>
  fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
const list = async (dir: string) => (await getAnswer(`${url}/api/files/${dir}`, "getFile")).entries.map((e) => `${e.name}${e.kind === "dir" ? "/" : ""}`);
const code = async (res: Response) => errorSchema.parse(await res.json()).code;

describe("files API", () => {
  test("PUT creates missing parent directories; GET on a directory lists it", async () => {
    expect((await put(url, "photos/2026/a.jpg", "aaa")).status).toBe(201);
    expect(await list("")).toEqual(["photos/"]);
    expect(await list("photos/")).toEqual(["2026/"]);
    expect(await list("photos/2026")).toEqual(["a.jpg"]);
  });

  test("an empty file round-trips", async () => {
    const body = await answer(await put(url, "empty.txt", ""), "putFile", 201);
    expect(body.size).toBe(0);
    expect(body.chunks).toEqual([]);
    const got = await fetch(`${url}/api/files/empty.txt`);
    expect(got.status).toBe(200);
    expect((await got.arrayBuffer()).byteLength).toBe(0);
  });

  test("overwriting a file replaces its content", async () => {
    await put(url, "notes.txt", "v1");
    await put(url, "notes.txt", "version two");
    expect(new TextDecoder().decode(await getBytes(url, "notes.txt"))).toBe("version two");
  });

  test("mkdir is idempotent; a file and a folder may share a path, side by side in the listing", async () => {
    expect((await post("/api/mkdir", { path: "/docs/reports" })).status).toBe(201);
    expect((await post("/api/mkdir", { path: "docs/reports" })).status).toBe(200);
    expect(await list("docs")).toEqual(["reports/"]);
    // A folder beside a file of its name, a file under a file's path, a file beside a folder (as S3 keys allow).
    await put(url, "pair/notes.txt", "the notes");
    expect((await post("/api/mkdir", { path: "pair/notes.txt" })).status).toBe(201);
    expect((await put(url, "pair/notes.txt/child", "x")).status).toBe(201);
    expect((await put(url, "pair/folder/inner", "i")).status).toBe(201);
    expect((await put(url, "pair/folder", "beside")).status).toBe(201);
    expect(await list("pair")).toEqual(["folder/", "folder", "notes.txt/", "notes.txt"]);
    // The plain path reads the file, the path with '/' lists the folder.
    expect(new TextDecoder().decode(await getBytes(url, "pair/notes.txt"))).toBe("the notes");
    expect(await list("pair/notes.txt/")).toEqual(["child"]);
    expect(await list("pair/folder/")).toEqual(["inner"]);
    // Deleting one leaves the other: the file by its plain path, the folder by the path with '/'.
    expect((await fetch(`${url}/api/files/pair/notes.txt`, { method: "DELETE" })).status).toBe(200);
    expect(await list("pair")).toEqual(["folder/", "folder", "notes.txt/"]);
    expect(await list("pair/notes.txt")).toEqual(["child"]);
    expect((await fetch(`${url}/api/files/pair/folder/?recursive=true`, { method: "DELETE" })).status).toBe(200);
    expect(await list("pair")).toEqual(["folder", "notes.txt/"]);
    expect(new TextDecoder().decode(await getBytes(url, "pair/folder"))).toBe("beside");
    const onlyFile = await fetch(`${url}/api/files/pair/folder/`);
    expect(onlyFile.status).toBe(400);
    expect(await code(onlyFile)).toBe("not_a_directory");
    // A move names the folder by its path with '/', the file without; the other stays.
    await put(url, "pair/notes.txt", "notes again");
    expect((await post("/api/move", { from: "pair/notes.txt/", to: "pair/moved-folder" })).status).toBe(200);
    expect(await list("pair")).toEqual(["folder", "moved-folder/", "notes.txt"]);
    expect((await post("/api/move", { from: "pair/folder", to: "pair/moved-folder" })).status).toBe(200);
    expect(await list("pair")).toEqual(["moved-folder/", "moved-folder", "notes.txt"]);
    expect(new TextDecoder().decode(await getBytes(url, "pair/moved-folder"))).toBe("beside");
  });

  test("move renames files and whole directories, and refuses to clobber without overwrite", async () => {
    const data = randomBytes(50_000);
    await put(url, "docs/reports/q1.bin", data);
    await put(url, "docs/reports/sub/deep.txt", "deep");
    let res = await post("/api/move", { from: "docs/reports/q1.bin", to: "docs/q1-final.bin" });
    expect(res.status).toBe(200);
    expect(sha256(await getBytes(url, "docs/q1-final.bin"))).toBe(sha256(data));
    expect((await fetch(`${url}/api/files/docs/reports/q1.bin`)).status).toBe(404);

    res = await post("/api/move", { from: "docs/reports", to: "archive/2026/reports" });
    expect(res.status).toBe(200);
    expect(await list("archive/2026/reports")).toEqual(["sub/"]);
    expect(new TextDecoder().decode(await getBytes(url, "archive/2026/reports/sub/deep.txt"))).toBe("deep");
    expect(await list("docs")).toEqual(["q1-final.bin"]);

    await put(url, "a.txt", "A");
    await put(url, "b.txt", "B");
    res = await post("/api/move", { from: "a.txt", to: "b.txt" });
    expect(res.status).toBe(409);
    expect(await code(res)).toBe("destination_exists");
    res = await post("/api/move", { from: "a.txt", to: "b.txt", overwrite: true });
    expect(res.status).toBe(200);
    expect(new TextDecoder().decode(await getBytes(url, "b.txt"))).toBe("A");
    res = await post("/api/move", { from: "archive", to: "archive/inside" });
    expect(res.status).toBe(400);
    expect(await code(res)).toBe("move_into_self");
    res = await post("/api/move", { from: "nope", to: "x" });
    expect(res.status).toBe(404);
  });

  test("deleting a non-empty directory needs recursive=true", async () => {
    await put(url, "trash/one/two.txt", "2");
    let res = await fetch(`${url}/api/files/trash`, { method: "DELETE" });
    expect(res.status).toBe(409);
    expect(await code(res)).toBe("directory_not_empty");
    res = await fetch(`${url}/api/files/trash?recursive=true`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect((await fetch(`${url}/api/files/trash/one/two.txt`)).status).toBe(404);
    expect(await list("")).not.toContain("trash/");
    // A deleted path can be written again.
    expect((await put(url, "trash/one/two.txt", "again")).status).toBe(201);
    expect((await fetch(`${url}/api/files/nothing-here`, { method: "DELETE" })).status).toBe(404);
  });

  test("listings page with limit and after", async () => {
    for (let i = 0; i < 25; i++) await put(url, `many/f${String(i).padStart(2, "0")}`, String(i));
    const first = await getAnswer(`${url}/api/files/many/?limit=10`, "getFile");
    expect(first.entries.length).toBe(10);
    expect(first.more).toBe(true);
    const second = await getAnswer(`${url}/api/files/many/?limit=10&after=f09`, "getFile");
    expect(second.entries[0]!.name).toBe("f10");
    const bad = await fetch(`${url}/api/files/many/?limit=0`);
    expect(bad.status).toBe(400);
  });

  test("stat shows each chunk's owners; status counts files", async () => {
    await put(url, "stat-me.bin", randomBytes(10_000));
    const stat = await getAnswer(`${url}/api/stat/stat-me.bin`, "stat");
    expect(stat.kind).toBe("file");
    expect(stat.chunks.length).toBe(1);
    expect(stat.chunks[0]!.owners).toEqual(["n1"]);
    expect(stat.chunks[0]!.holders).toEqual(["n1"]);
    expect(stat.minCopies).toBe(1);
    expect(stat.underReplicated).toBe(false);
    const status = await cluster.nodes[0]!.status();
    expect(status.files.files).toBeGreaterThan(5);
    expect(status.chunks.count).toBeGreaterThan(0);
  });

  test("GET /metrics is Prometheus text that follows the node: chunks, files, members, requests", async () => {
    const scrape = async () => {
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const values = new Map<string, number>();
      for (const line of (await res.text()).split("\n")) {
        const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
        if (m) values.set(m[1]!, Number(m[2]));
      }
      return values;
    };
    const before = await scrape();
    await put(url, "metrics/one.bin", randomBytes(300_000));
    const after = await scrape();
    expect(after.get("orrery_chunks")).toBe(before.get("orrery_chunks")! + 1);
    expect(after.get("orrery_chunk_bytes")).toBe(before.get("orrery_chunk_bytes")! + 300_000);
    expect(after.get("orrery_files")).toBe(before.get("orrery_files")! + 1);
    expect(after.get('orrery_members{state="alive"}')).toBe(1);
    // Lifeguard's score, 0 (healthy) to awarenessMax - 1: a node that misses its own timers on a loaded machine
    // rightly raises it, so its value is the machine's, not this test's (metrics.test.ts checks that it follows).
    expect(after.get("orrery_gossip_health_score")).toBeGreaterThanOrEqual(0);
    expect(after.get("orrery_gossip_health_score")).toBeLessThan(defaultSwimConfig().awarenessMax!);
    const puts = (v: Map<string, number>) => v.get('orrery_http_requests_total{interface="files",method="PUT",status="201"}') ?? 0;
    expect(puts(after)).toBe(puts(before) + 1);
    expect(after.get("process_resident_memory_bytes")).toBeGreaterThan(10_000_000);
    expect([...after].filter(([k, v]) => k.startsWith('orrery_node_info{node_id="n1",version="') && v === 1).length).toBe(1);
  });
});
