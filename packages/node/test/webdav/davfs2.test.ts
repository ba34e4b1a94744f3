// davfs2 (the Linux kernel-mount WebDAV client, Debian's davfs2) mounting a user's home from a node that
// requires a login, with the user's password (and, as the password, an API token) in a secrets file: files
// written through the mount land in the home, files there read through it; another user's credentials, a
// wrong password and no credentials mount nothing. Mounting needs root (mount.davfs), as the suite runs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addUsers } from "../harness/api.ts";
import { TestCluster } from "../harness/cluster.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
let cluster: TestCluster;
let url: string;
let work: string;
const mounted: string[] = [];
/** davfs2 drops root for its own group (dav_group, `davfs2`), which must be able to write its cache dir. */
let davGroup: number;

async function run(cmd: string[], timeoutMs = 60_000): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), timeoutMs);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, out, err };
}

/**
 * Mounts `/dav/<path>` with these credentials through a davfs2.conf of the test's own (its own cache dir and
 * secrets file, uploads at close), so nothing of the machine's /etc/davfs2 or /var/cache/davfs2 is used.
 * `buf_size 64`: on Linux 6.16 and later davfs2 1.6 lists directories only with it (README, "Mounting it");
 * without it `ls` fails with "Invalid argument".
 */
async function mount(name: string, path: string, user: string | undefined, secret: string | undefined) {
  const dir = join(work, name);
  const point = join(dir, "mnt");
  mkdirSync(join(dir, "cache"), { recursive: true });
  mkdirSync(point, { recursive: true });
  chmodSync(dir, 0o755);
  chownSync(join(dir, "cache"), 0, davGroup);
  chmodSync(join(dir, "cache"), 0o775);
  const target = `${url}/dav/${path}`;
  const secrets = join(dir, "secrets");
  // davfs2 refuses a secrets file others may read; quotes keep a password's spaces.
  writeFileSync(secrets, user && secret ? `${point} "${user}" "${secret}"\n` : "");
  chmodSync(secrets, 0o600);
  writeFileSync(join(dir, "davfs2.conf"), [`secrets ${secrets}`, `cache_dir ${join(dir, "cache")}`, "delay_upload 0", "ask_auth 0", "use_locks 1", "buf_size 64", ""].join("\n"));
  const r = await run(["mount.davfs", target, point, "-o", `conf=${join(dir, "davfs2.conf")},rw`]);
  if (r.code === 0) mounted.push(point);
  return { ...r, point };
}

async function unmount(point: string) {
  const r = await run(["umount", point]); // waits until davfs2 has uploaded what was written
  if (r.code === 0) mounted.splice(mounted.indexOf(point), 1);
  return r;
}

beforeAll(async () => {
  if (!Bun.which("mount.davfs")) throw new Error("davfs2 is not installed (apt-get install -y davfs2; scripts/system-deps.sh does it)");
  if (process.getuid?.() !== 0) throw new Error("mounting with davfs2 needs root (mount.davfs)");
  cluster = await TestCluster.start(1, { replicationFactor: 1, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN }, headers: { authorization: basic("admin", ADMIN) } });
  url = cluster.nodes[0]!.url;
  await addUsers(url, basic("admin", ADMIN), ["alice", "bob"], (name) => `${name} secret password`);
  const put = await fetch(`${url}/api/files/home/alice/before.txt`, { method: "PUT", headers: { authorization: basic("alice", "alice secret password") }, body: "written before the mount\n" });
  expect(put.status).toBe(201);
  work = mkdtempSync(join(tmpdir(), "orrery-davfs2-"));
  chmodSync(work, 0o755);
  davGroup = Number((await run(["id", "-g", "davfs2"])).out.trim());
}, 60_000);

afterAll(async () => {
  for (const point of [...mounted]) await run(["umount", "-l", point]);
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("davfs2 with credentials", () => {
  test("a user's password mounts their home: files read through it, files written through it land there", async () => {
    const m = await mount("alice", "home/alice/", "alice", "alice secret password");
    expect(m.code, m.err).toBe(0);
    // davfs2 shows a lost+found of its own (local, for files it could not upload).
    expect(readdirSync(m.point).filter((n) => n !== "lost+found")).toEqual(["before.txt"]);
    const ls = await run(["ls", m.point]);
    expect([ls.code, ls.out.split("\n").filter((n) => n !== "" && n !== "lost+found")], ls.err).toEqual([0, ["before.txt"]]);
    expect(readFileSync(join(m.point, "before.txt"), "utf8")).toBe("written before the mount\n");
    mkdirSync(join(m.point, "notes"));
    writeFileSync(join(m.point, "notes", "through-davfs.txt"), "written through davfs2\n");
    const u = await unmount(m.point);
    expect(u.code, u.err).toBe(0);
    const got = await fetch(`${url}/api/files/home/alice/notes/through-davfs.txt`, { headers: { authorization: basic("alice", "alice secret password") } });
    expect([got.status, await got.text()]).toEqual([200, "written through davfs2\n"]);
  }, 120_000);

  test("an API token as the password mounts it too", async () => {
    const made = await fetch(`${url}/api/tokens`, {
      method: "POST",
      headers: { authorization: basic("alice", "alice secret password"), "content-type": "application/json" },
      body: JSON.stringify({ label: "davfs2" }),
    });
    const { token } = (await made.json()) as { token: string };
    const m = await mount("token", "home/alice/", "alice", token);
    expect(m.code, m.err).toBe(0);
    expect(existsSync(join(m.point, "notes", "through-davfs.txt"))).toBe(true);
    expect((await unmount(m.point)).code).toBe(0);
  }, 120_000);

  test("another user's password, a wrong password and no credentials mount nothing", async () => {
    for (const [name, user, secret] of [["bob", "bob", "bob secret password"], ["wrong", "alice", "not her password"], ["none", undefined, undefined]] as const) {
      const m = await mount(name, "home/alice/", user, secret);
      expect(m.code, `${name}: ${m.err}`).not.toBe(0);
    }
  }, 120_000);
});
