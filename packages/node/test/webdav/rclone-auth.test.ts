// rclone as a WebDAV client of a node that requires a login: HTTP Basic with a user's password, and with
// an API token as the password; another user's home refuses it, and no credential at all is refused; an upload
// past the user's quota is refused.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addUsers } from "../harness/api.ts";
import { TestCluster } from "../harness/cluster.ts";

const ADMIN = "admin admin admin";
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
let cluster: TestCluster;
let url: string;
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  if (!Bun.which("rclone")) throw new Error("rclone is not installed (apt-get install -y rclone)");
  cluster = await TestCluster.start(1, { replicationFactor: 1, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN }, headers: { authorization: basic("admin", ADMIN) } });
  url = cluster.nodes[0]!.url;
  await addUsers(url, basic("admin", ADMIN), ["alice", "bob"], (name) => `${name} password`);
  work = mkdtempSync(join(tmpdir(), "orrery-rclone-auth-"));
  writeFileSync(join(work, "rclone.conf"), "");
  env = { ...(process.env as Record<string, string>), RCLONE_CONFIG: join(work, "rclone.conf") };
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn(["rclone", ...args], { env, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), 30_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, out, err };
}

/** rclone wants the password obscured (its own reversible encoding) on the command line. */
const obscured = async (secret: string) => (await run(["obscure", secret])).out.trim();

async function rclone(user: string | undefined, secret: string | undefined, ...args: string[]) {
  const creds = user && secret ? ["--webdav-user", user, "--webdav-pass", await obscured(secret)] : [];
  return run(["--webdav-url", `${url}/dav/`, "--webdav-vendor", "other", "--low-level-retries", "1", "--retries", "1", ...creds, ...args]);
}

describe("rclone with credentials", () => {
  test("a user's password copies into their home; a token as the password lists it; other homes and no login are refused", async () => {
    const src = join(work, "up");
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, "a.txt"), "hello with a login\n");
    const up = await rclone("alice", "alice password", "copy", src, ":webdav:home/alice/up");
    expect(up.code, up.err).toBe(0);
    const got = await fetch(`${url}/api/files/home/alice/up/a.txt`, { headers: { authorization: basic("alice", "alice password") } });
    expect(await got.text()).toBe("hello with a login\n");

    const made = await fetch(`${url}/api/tokens`, {
      method: "POST",
      headers: { authorization: basic("alice", "alice password"), "content-type": "application/json" },
      body: JSON.stringify({ readOnly: true }),
    });
    const { token } = (await made.json()) as { token: string };
    const listed = await rclone("alice", token, "lsf", ":webdav:home/alice/up");
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out.trim()).toBe("a.txt");
    expect((await rclone("alice", token, "copy", src, ":webdav:home/alice/again")).code).not.toBe(0); // read-only

    expect((await rclone("bob", "bob password", "lsf", ":webdav:home/alice/up")).code).not.toBe(0);
    expect((await rclone("bob", "bob password", "copy", src, ":webdav:home/alice/bob-was-here")).code).not.toBe(0);
    expect((await rclone(undefined, undefined, "lsf", ":webdav:home/alice/up")).code).not.toBe(0);
    const after = await fetch(`${url}/api/files/home/alice/`, { headers: { authorization: basic("admin", ADMIN) } });
    expect(((await after.json()) as { entries: Array<{ name: string }> }).entries.map((e) => e.name)).toEqual(["up"]);
  }, 120_000);

  test("an upload past the user's quota is refused (507 Insufficient Storage) and nothing of it is kept", async () => {
    const change = await fetch(`${url}/api/users/bob`, {
      method: "PATCH",
      headers: { authorization: basic("admin", ADMIN), "content-type": "application/json" },
      body: JSON.stringify({ quotaBytes: 100_000 }),
    });
    expect(change.status).toBe(200);
    const src = join(work, "big");
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, "fits.bin"), new Uint8Array(60_000).fill(1));
    writeFileSync(join(src, "too-big.bin"), new Uint8Array(60_000).fill(2));
    const fits = await rclone("bob", "bob password", "copyto", join(src, "fits.bin"), ":webdav:home/bob/fits.bin");
    expect(fits.code, fits.err).toBe(0);
    const refused = await rclone("bob", "bob password", "copyto", join(src, "too-big.bin"), ":webdav:home/bob/too-big.bin");
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain("507");
    const bob = { authorization: basic("bob", "bob password") };
    expect((await fetch(`${url}/api/files/home/bob/too-big.bin`, { headers: bob })).status).toBe(404);
    expect(((await (await fetch(`${url}/api/me`, { headers: bob })).json()) as { usedBytes: number }).usedBytes).toBe(60_000);
  }, 120_000);
});
