// `orrery s3key` and `orrery share link|links|unlink` against a real node that requires a login: a key made
// by the CLI signs S3 requests as its user and stops when removed; a link printed by the CLI opens without
// a login and stops when unlinked.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { TestCluster } from "../harness/cluster.ts";
import { orrery } from "../harness/cli.ts";
import { freePort } from "../harness/ports.ts";
import { s3Failure } from "../s3/s3-cluster.ts";
import { tempDirs } from "../../src/util/test-dirs.ts";

const tempDir = tempDirs();

const ADMIN = "admin admin admin";
let cluster: TestCluster;
let s3Endpoint: string;
let env: () => Record<string, string>;
const asAlice = () => ({ ...env(), ORRERY_USER: "alice", ORRERY_PASSWORD: "alice password" });
const asAdmin = () => ({ ...env(), ORRERY_USER: "admin", ORRERY_PASSWORD: ADMIN });

beforeAll(async () => {
  const s3Port = await freePort();
  s3Endpoint = `http://127.0.0.1:${s3Port}`;
  cluster = await TestCluster.start(1, {
    replicationFactor: 1,
    env: { AUTH: "required", ADMIN_PASSWORD: ADMIN, S3_PORT: String(s3Port) },
    headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString("base64")}` },
  });
  const config = tempDir("orrery-cli-config-");
  env = () => ({ CLUSTER_KEY: "", DATA_DIR: join(cluster.root, "none"), XDG_CONFIG_HOME: config, ORRERY_NODE: cluster.nodes[0]!.url });
  expect((await orrery(["user", "add", "alice", "--password", "alice password"], asAdmin())).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe("orrery s3key and share link", () => {
  test("s3key create prints a key pair once that acts as the user; --read-only writes nothing; ls lists it; rm revokes it", async () => {
    const made = await orrery(["s3key", "create", "--label", "laptop"], asAlice());
    expect(made.code, made.stderr).toBe(0);
    const accessKey = /access key: (\S+)/.exec(made.stdout)![1]!;
    const secretKey = /secret key: (\S+)/.exec(made.stdout)![1]!;
    const s3 = (key: string, secret: string) =>
      new S3Client({ endpoint: s3Endpoint, region: "us-east-1", forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: key, secretAccessKey: secret } });
    await s3(accessKey, secretKey).send(new PutObjectCommand({ Bucket: "home", Key: "alice/from-s3.txt", Body: "hi" }));
    const ro = JSON.parse((await orrery(["s3key", "create", "--read-only", "--json"], asAlice())).stdout) as { accessKey: string; secretKey: string; readOnly: boolean };
    expect(ro.readOnly).toBe(true);
    expect((await s3Failure(s3(ro.accessKey, ro.secretKey).send(new PutObjectCommand({ Bucket: "home", Key: "alice/ro.txt", Body: "x" })))).name).toBe("AccessDenied");
    const ls = await orrery(["s3key", "ls"], asAlice());
    expect(ls.stdout).toContain(accessKey);
    expect(ls.stdout).toContain("laptop");
    expect(ls.stdout).not.toContain(secretKey);
    // An admin makes one for alice.
    const forAlice = JSON.parse((await orrery(["s3key", "create", "--for", "alice", "--json"], asAdmin())).stdout) as { user: string };
    expect(forAlice.user).toBe("alice");
    const rm = await orrery(["s3key", "rm", accessKey], asAlice());
    expect(rm.code, rm.stderr).toBe(0);
    expect((await s3Failure(s3(accessKey, secretKey).send(new ListObjectsV2Command({ Bucket: "home" })))).name).toBe("InvalidAccessKeyId");
  });

  test("share link prints a URL anyone may open; links lists it; unlink ends it", async () => {
    const link = await orrery(["share", "link", "/home/alice/from-s3.txt", "--expires", "1d"], asAlice());
    expect(link.code, link.stderr).toBe(0);
    const url = link.stdout.split("\n")[0]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s\/[0-9a-f]{16}_\S{43}$/);
    expect(await (await fetch(`${url}?download=1`)).text()).toBe("hi");
    const id = /orrery share unlink ([0-9a-f]{16})/.exec(link.stdout)![1]!;
    const links = JSON.parse((await orrery(["share", "links", "--json"], asAlice())).stdout) as Array<{ id: string; expiresAt: number }>;
    const listed = links.find((l) => l.id === id)!;
    expect(Math.abs(listed.expiresAt - Date.now() - 86_400_000)).toBeLessThan(60_000);
    expect((await orrery(["share", "unlink", id], asAlice())).code).toBe(0);
    expect((await fetch(url)).status).toBe(410);
    const bad = await orrery(["share", "link", "/home/alice/from-s3.txt", "--expires", "soon"], asAlice());
    expect(bad.code).toBe(2);
  });
});
