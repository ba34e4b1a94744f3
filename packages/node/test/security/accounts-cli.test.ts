// The account commands of the CLI against a real node that requires a login: user add/ls/passwd/rm, token
// create/ls/revoke, login (a token kept in the config dir, mode 0600) and logout, and every way to give
// credentials (--user/--password, ORRERY_USER/ORRERY_PASSWORD, ORRERY_TOKEN, the kept login).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { TestCluster } from "../harness/cluster.ts";
import { orrery } from "../harness/cli.ts";
import { tempDirs } from "../../src/util/test-dirs.ts";

const tempDir = tempDirs();

const ADMIN = "admin admin admin";
let cluster: TestCluster;
let node: string;
let config: string;
/** No cluster key for the CLI to find, and a config dir of the test's own. */
const env = () => ({ CLUSTER_KEY: "", DATA_DIR: join(cluster.root, "none"), XDG_CONFIG_HOME: config, ORRERY_NODE: node });
const asAdmin = () => ({ ...env(), ORRERY_USER: "admin", ORRERY_PASSWORD: ADMIN });

beforeAll(async () => {
  cluster = await TestCluster.start(1, {
    replicationFactor: 1,
    env: { AUTH: "required", ADMIN_PASSWORD: ADMIN },
    headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString("base64")}` },
  });
  node = cluster.nodes[0]!.url;
  config = tempDir("orrery-cli-config-");
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("orrery user / token / login", () => {
  test("user add, ls, passwd and rm as the admin; a user without rights is refused", async () => {
    const added = await orrery(["user", "add", "alice", "--password", "alice password", "--quota", "1MB"], asAdmin());
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("user alice added (user); home folder /home/alice");
    const ls = await orrery(["user", "ls", "--json"], asAdmin());
    expect(JSON.parse(ls.stdout)).toContainEqual({ name: "alice", role: "user", home: "/home/alice", quotaBytes: 1_000_000, createdAt: expect.any(Number), usedBytes: 0 });
    // alice changes her own password (--user/--password are hers; the new one comes by --password... of passwd).
    const own = await orrery(["user", "passwd", "--password", "alice new password"], { ...env(), ORRERY_USER: "alice", ORRERY_PASSWORD: "alice password" });
    expect(own.code, own.stderr).toBe(0);
    const status = await orrery(["status"], { ...env(), ORRERY_USER: "alice", ORRERY_PASSWORD: "alice new password" });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/you\s+alice \(user\), home \/home\/alice: 0 B of .* used/);
    const refused = await orrery(["user", "add", "mallory", "--password", "mallory pass"], { ...env(), ORRERY_USER: "alice", ORRERY_PASSWORD: "alice new password" });
    expect([refused.code, refused.stderr.includes("admin_required")]).toEqual([1, true]);
    const anonymous = await orrery(["user", "ls"], env());
    expect(anonymous.code).toBe(1);
    expect((await orrery(["user", "add", "bob", "--password", "bob password"], asAdmin())).code).toBe(0);
    expect((await orrery(["user", "rm", "bob"], asAdmin())).code).toBe(0);
    expect(JSON.parse((await orrery(["user", "ls", "--json"], asAdmin())).stdout).map((u: { name: string }) => u.name).sort()).toEqual(["admin", "alice"]);
  });

  test("user set changes a quota (or ends it) and a role; bad values say what is wrong", async () => {
    expect((await orrery(["user", "add", "dana", "--password", "dana password"], asAdmin())).code).toBe(0);
    const set = await orrery(["user", "set", "dana", "--quota", "2MB", "--role", "admin"], asAdmin());
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("user dana: admin, quota");
    const listed = async () => JSON.parse((await orrery(["user", "ls", "--json"], asAdmin())).stdout).find((u: { name: string }) => u.name === "dana");
    expect(await listed()).toMatchObject({ role: "admin", quotaBytes: 2_000_000 });
    expect((await orrery(["user", "set", "dana", "--quota", "none", "--role", "user"], asAdmin())).code).toBe(0);
    expect(await listed()).toMatchObject({ role: "user", quotaBytes: null });
    const badRole = await orrery(["user", "set", "dana", "--role", "root"], asAdmin());
    expect([badRole.code, badRole.stderr]).toEqual([2, expect.stringContaining("--role is admin or user")]);
    const nothing = await orrery(["user", "set", "dana"], asAdmin());
    expect([nothing.code, nothing.stderr]).toEqual([2, expect.stringContaining("name something to change")]);
    const notAdmin = await orrery(["user", "set", "dana", "--quota", "1GB"], { ...env(), ORRERY_USER: "dana", ORRERY_PASSWORD: "dana password" });
    expect([notAdmin.code, notAdmin.stderr.includes("admin_required")]).toEqual([1, true]);
    expect((await orrery(["user", "rm", "dana"], asAdmin())).code).toBe(0);
  });

  test("a read-only token reads and cannot write; a revoked one stops working", async () => {
    const made = await orrery(["token", "create", "--read-only", "--expires", "30d", "--label", "backup", "--user", "alice", "--password", "alice new password"], env());
    expect(made.code, made.stderr).toBe(0);
    const tokenText = made.stdout.trim();
    expect(tokenText).toMatch(/^orrery_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const withToken = { ...env(), ORRERY_TOKEN: tokenText };
    expect((await orrery(["ls", "/home/alice"], withToken)).code).toBe(0);
    const put = await orrery(["put", import.meta.path, "/home/alice/x.ts"], withToken);
    expect([put.code, put.stderr.includes("forbidden")]).toEqual([1, true]);
    const listed = JSON.parse((await orrery(["token", "ls", "--json"], withToken)).stdout) as Array<{ id: string; label: string; readOnly: boolean; expiresAt: number }>;
    const mine = listed.find((t) => tokenText.includes(t.id))!;
    expect([mine.label, mine.readOnly]).toEqual(["backup", true]);
    expect(mine.expiresAt - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await orrery(["token", "revoke", mine.id], { ...env(), ORRERY_USER: "alice", ORRERY_PASSWORD: "alice new password" })).code).toBe(0);
    expect((await orrery(["ls", "/home/alice"], withToken)).code).toBe(1);
  });

  test("login keeps a token (mode 0600) that later commands use; logout revokes it", async () => {
    const login = await orrery(["login", "--user", "alice", "--password", "alice new password"], env());
    expect(login.code, login.stderr).toBe(0);
    const file = join(config, "orrery", "credentials.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const kept = JSON.parse(readFileSync(file, "utf8")) as { nodes: Record<string, { user: string; token: string }> };
    expect(kept.nodes[node]!.user).toBe("alice");
    expect((await orrery(["put", import.meta.path, "/home/alice/kept.ts"], env())).code).toBe(0);
    expect((await orrery(["put", import.meta.path, "/home/admin-only.ts"], env())).code).toBe(1);
    // Logged in with a token, a new password needs the current one.
    const bare = await orrery(["user", "passwd", "--password", "alice third password"], env());
    expect([bare.code, bare.stderr]).toEqual([1, expect.stringContaining("current_password_required")]);
    const withCurrent = await orrery(["user", "passwd", "--password", "alice third password", "--current-password", "alice new password"], env());
    expect(withCurrent.code, withCurrent.stderr).toBe(0);
    expect((await orrery(["user", "passwd", "--password", "alice new password", "--current-password", "alice third password"], env())).code).toBe(0);
    expect((await orrery(["logout"], env())).code).toBe(0);
    const after = await fetch(`${node}/api/me`, { headers: { authorization: `Bearer ${kept.nodes[node]!.token}` } });
    expect(after.status).toBe(401);
    expect((await orrery(["ls", "/home/alice"], env())).code).toBe(1);
  });

  test("share add, ls and rm: a shared folder opens to the other user, read-only unless --write", async () => {
    const alice = { ...env(), ORRERY_USER: "alice", ORRERY_PASSWORD: "alice new password" };
    const carol = { ...env(), ORRERY_USER: "carol", ORRERY_PASSWORD: "carol password" };
    expect((await orrery(["user", "add", "carol", "--password", "carol password"], asAdmin())).code).toBe(0);
    expect((await orrery(["mkdir", "/home/alice/photos"], alice)).code).toBe(0);
    expect((await orrery(["ls", "/home/alice/photos"], carol)).code).toBe(1);
    const added = await orrery(["share", "add", "/home/alice/photos", "carol"], alice);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("/home/alice/photos shared with carol (read-only");
    expect((await orrery(["ls", "/home/alice/photos"], carol)).code).toBe(0);
    expect((await orrery(["put", import.meta.path, "/home/alice/photos/x.ts"], carol)).code).toBe(1);
    expect((await orrery(["share", "add", "/home/alice/photos", "carol", "--write"], alice)).code).toBe(0);
    expect((await orrery(["put", import.meta.path, "/home/alice/photos/x.ts"], carol)).code).toBe(0);
    const listed = JSON.parse((await orrery(["share", "ls", "--json"], carol)).stdout) as Array<{ id: string; path: string; access: string }>;
    expect(listed.map((s) => [s.path, s.access])).toEqual([["/home/alice/photos", "write"]]);
    expect((await orrery(["share", "rm", listed[0]!.id], alice)).code).toBe(0);
    expect((await orrery(["ls", "/home/alice/photos"], carol)).code).toBe(1);
  });

  test("bad credentials and bad options say what is wrong", async () => {
    const wrong = await orrery(["ls", "/", "--user", "alice", "--password", "nope nope"], env());
    expect([wrong.code, wrong.stderr.includes("bad_credentials")]).toEqual([1, true]);
    expect((await orrery(["ls", "/", "--password", "x"], env())).code).toBe(2);
    expect((await orrery(["user", "add", "carol"], asAdmin())).code).toBe(2);
    expect((await orrery(["token", "create", "--expires", "soon"], asAdmin())).code).toBe(2);
  });
});
