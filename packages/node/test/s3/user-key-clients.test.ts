// Real S3 tools signing with a user's own access key (issue 13: "the S3 clients work with credentials"), on a
// node that requires logins: the aws CLI and rclone write and read in the user's home, see only what the user
// may see, are refused another's home (AccessDenied) and an upload past the quota (QuotaExceeded, nothing kept).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, sha256, TestCluster } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { awsBinaries, awsEnv, rclone, rcloneRun, refused, run } from "./cli-tools.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const QUOTA = 3 * 1024 * 1024;
let cluster: TestCluster;
let url: string;
let endpoint: string;
let work: string;
let key: { accessKey: string; secretKey: string };

const notes = randomBytes(200_000);

async function call(method: string, path: string, auth: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, { method, headers: { authorization: auth, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
const aliceSees = async (path: string) => (await fetch(`${url}/api/files/${path}`, { headers: { authorization: basic("alice", "alice password") } })).status;

test("the aws CLI and rclone are installed", () => {
  expect(awsBinaries.length, "no aws CLI installed: apt-get install -y awscli").toBeGreaterThan(0);
  expect(rclone, "rclone is not installed: apt-get install -y rclone").toBeTruthy();
});

beforeAll(async () => {
  const s3Port = await freePort();
  cluster = await TestCluster.start(1, { replicationFactor: 1, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN, S3_PORT: String(s3Port) }, headers: { authorization: basic("admin", ADMIN) } });
  url = cluster.nodes[0]!.url;
  endpoint = `http://127.0.0.1:${s3Port}`;
  for (const name of ["alice", "bob"]) await call("POST", "/api/users", basic("admin", ADMIN), { name, password: `${name} password`, quotaBytes: QUOTA });
  await call("PUT", "/api/files/home/bob/private.txt", basic("bob", "bob password"));
  key = (await call("POST", "/api/s3keys", basic("alice", "alice password"), { label: "tools" })) as typeof key;
  work = mkdtempSync(join(tmpdir(), "orrery-s3-user-"));
  writeFileSync(join(work, "notes.bin"), notes);
  writeFileSync(join(work, "too-big.bin"), randomBytes(QUOTA + 1));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(awsBinaries.map((bin) => [bin]))("aws CLI %s with a user's key", (bin) => {
  const n = awsBinaries.indexOf(bin);
  const aws = (...args: string[]) => run([bin, "--endpoint-url", endpoint, ...args], awsEnv(work, key.accessKey, key.secretKey));

  test("cp into the user's home and back; ls shows their home only; another's home is AccessDenied; past the quota is QuotaExceeded", async () => {
    await aws("s3", "cp", "--only-show-errors", join(work, "notes.bin"), `s3://home/alice/aws-${n}/notes.bin`);
    await aws("s3", "cp", "--only-show-errors", `s3://home/alice/aws-${n}/notes.bin`, join(work, `aws-${n}.out`));
    expect(sha256(readFileSync(join(work, `aws-${n}.out`)))).toBe(sha256(notes));
    expect(await aws("s3", "ls", "s3://home/")).toMatch(/^\s*PRE alice\/\s*$/);

    // Bucket home is alice's way to her home: a listing below it leaves out what she may not read.
    expect(await aws("s3", "ls", "--recursive", "s3://home/")).not.toContain("private.txt");
    expect(await refused(aws("s3", "cp", "--only-show-errors", join(work, "notes.bin"), `s3://home/bob/from-alice.bin`))).toContain("AccessDenied");
    expect((await fetch(`${url}/api/files/home/bob/from-alice.bin`, { headers: { authorization: basic("bob", "bob password") } })).status).toBe(404);

    expect(await refused(aws("s3", "cp", "--only-show-errors", join(work, "too-big.bin"), `s3://home/alice/aws-${n}/too-big.bin`))).toContain("QuotaExceeded");
    expect(await aliceSees(`home/alice/aws-${n}/too-big.bin`)).toBe(404);
    await aws("s3", "rm", "--only-show-errors", "--recursive", `s3://home/alice/aws-${n}/`);
  });
});

describe("rclone with a user's key", () => {
  const remote = (path: string) => `:s3,provider=Other,access_key_id=${key.accessKey},secret_access_key=${key.secretKey},endpoint='${endpoint}':${path}`;
  const rc = (...args: string[]) => rcloneRun(work, "--retries", "1", "--low-level-retries", "1", ...args);

  test("copies into the user's home and lists it; another's home and past the quota are refused, nothing kept", async () => {
    await rc("copyto", join(work, "notes.bin"), remote("home/alice/rclone/notes.bin"));
    expect(JSON.parse(await rc("lsjson", remote("home/alice/rclone"))).map((e: { Name: string; Size: number }) => [e.Name, e.Size])).toEqual([["notes.bin", notes.length]]);
    expect(await aliceSees("home/alice/rclone/notes.bin")).toBe(200);

    // rclone makes sure of the bucket first (CreateBucket home: 200, it is there); it may not make one.
    expect(await refused(rc("mkdir", remote("alices-bucket")))).toContain("AccessDenied");
    expect(JSON.parse(await rc("lsjson", "-R", remote("home")))).not.toContainEqual(expect.objectContaining({ Name: "private.txt" }));
    // rclone asks HEAD first, whose refusal has no body to name the code in: 403 Forbidden.
    expect(await refused(rc("copyto", join(work, "notes.bin"), remote("home/bob/from-alice.bin")))).toContain("status code: 403");
    expect((await fetch(`${url}/api/files/home/bob/from-alice.bin`, { headers: { authorization: basic("bob", "bob password") } })).status).toBe(404);
    expect(await refused(rc("copyto", join(work, "too-big.bin"), remote("home/alice/rclone/too-big.bin")))).toContain("QuotaExceeded");
    expect(await aliceSees("home/alice/rclone/too-big.bin")).toBe(404);
  });
});
