// Real S3 tools against a real node: the aws CLI (Debian's 2.x, and a 1.x on PATH if any), rclone and s3cmd
// put, list, get, multipart-upload and delete, with the bytes compared at every step; their server-side
// encryption options are refused. s3cmd is the strict one about framing: it reads Content-Length itself.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBytes, randomBytes, sha256, TestCluster } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";
import { awsBinaries, awsEnv, rclone, rcloneRun, refused, run } from "./cli-tools.ts";

const KEY = "cli-test-key";
const SECRET = "cli-test-secret-0123456789";
let cluster: TestCluster;
let endpoint: string;
let url: string;
let work: string;

const small = randomBytes(100_000);
/** Over awscli's 8 MiB multipart threshold, and several of rclone's 5 MiB chunks. */
const big = randomBytes(20 * 1024 * 1024 + 12_345);

const s3cmd = Bun.which("s3cmd");

// The real clients are the point of this file: a missing one fails, it is not skipped.
test("the aws CLI, rclone and s3cmd are installed", () => {
  expect(awsBinaries.length, "no aws CLI installed: apt-get install -y awscli").toBeGreaterThan(0);
  expect(rclone, "rclone is not installed: apt-get install -y rclone").toBeTruthy();
  expect(s3cmd, "s3cmd is not installed: apt-get install -y s3cmd").toBeTruthy();
});

beforeAll(async () => {
  const s3Port = await freePort();
  cluster = await TestCluster.start(1, { env: { S3_PORT: String(s3Port), S3_CREDENTIALS: `${KEY}:${SECRET}` } });
  url = cluster.nodes[0]!.url;
  endpoint = `http://127.0.0.1:${s3Port}`;
  work = mkdtempSync(join(tmpdir(), "orrery-s3-cli-"));
  writeFileSync(join(work, "small.bin"), small);
  writeFileSync(join(work, "big.bin"), big);
});
afterAll(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const fileSha = (path: string) => sha256(readFileSync(path));

describe.each(awsBinaries.map((bin) => [bin]))("aws CLI %s", (bin) => {
  const bucket = `aws-${awsBinaries.indexOf(bin)}`;
  const aws = (...args: string[]) => run([bin, "--endpoint-url", endpoint, ...args], awsEnv(work, KEY, SECRET));

  test("mb, cp up and down (small, and multipart above 8 MiB), ls, list-objects-v2, rm, rb", async () => {
    await aws("s3", "mb", `s3://${bucket}`);
    await aws("s3", "cp", "--only-show-errors", join(work, "small.bin"), `s3://${bucket}/dir/small.bin`);
    await aws("s3", "cp", "--only-show-errors", join(work, "big.bin"), `s3://${bucket}/dir/big.bin`);
    // What the tools put is in the tree the files API serves.
    expect(sha256(await getBytes(url, `${bucket}/dir/big.bin`))).toBe(sha256(big));

    const ls = await aws("s3", "ls", "--recursive", `s3://${bucket}/`);
    expect(ls).toContain(`${big.length} dir/big.bin`);
    expect(ls).toContain(`${small.length} dir/small.bin`);
    expect(await aws("s3", "ls", `s3://${bucket}/`)).toContain("PRE dir/");

    const listed = JSON.parse(await aws("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "dir/"));
    expect(listed.Contents.map((o: { Key: string; Size: number }) => [o.Key, o.Size])).toEqual([
      ["dir/big.bin", big.length],
      ["dir/small.bin", small.length],
    ]);
    const bigEtag = listed.Contents[0].ETag as string;
    expect(bigEtag).toMatch(/^"[0-9a-f]{32}-\d+"$/); // uploaded in parts
    expect(listed.Contents[1].ETag).toBe(`"${new Bun.CryptoHasher("md5").update(small).digest("hex")}"`);

    await aws("s3", "cp", "--only-show-errors", `s3://${bucket}/dir/big.bin`, join(work, `${bucket}-big.out`));
    await aws("s3", "cp", "--only-show-errors", `s3://${bucket}/dir/small.bin`, join(work, `${bucket}-small.out`));
    expect(fileSha(join(work, `${bucket}-big.out`))).toBe(sha256(big));
    expect(fileSha(join(work, `${bucket}-small.out`))).toBe(sha256(small));

    await aws("s3", "rm", "--only-show-errors", `s3://${bucket}/dir/small.bin`);
    expect(await aws("s3", "ls", "--recursive", `s3://${bucket}/`)).not.toContain("small.bin");
    await aws("s3", "rb", "--force", `s3://${bucket}`);
    expect((await fetch(`${url}/api/files/${bucket}`)).status).toBe(404);
  });

  test("head-object returns the content type and metadata put-object sent; cp guesses the type from the name", async () => {
    const b = `${bucket}-meta`;
    await aws("s3", "mb", `s3://${b}`);
    await aws("s3api", "put-object", "--bucket", b, "--key", "o.dat", "--body", join(work, "small.bin"), "--content-type", "application/x-thing", "--metadata", "colour=blue,owner=lab");
    const head = JSON.parse(await aws("s3api", "head-object", "--bucket", b, "--key", "o.dat"));
    expect({ type: head.ContentType, colour: head.Metadata.colour, owner: head.Metadata.owner }).toEqual({ type: "application/x-thing", colour: "blue", owner: "lab" });
    writeFileSync(join(work, "page.html"), "<p>hi</p>");
    await aws("s3", "cp", "--only-show-errors", join(work, "page.html"), `s3://${b}/page.html`);
    expect(JSON.parse(await aws("s3api", "head-object", "--bucket", b, "--key", "page.html")).ContentType).toStartWith("text/html");
    await aws("s3", "rb", "--force", `s3://${b}`);
  });

  test("cp with --sse or --sse-c fails (single and multipart) and stores nothing", async () => {
    const sseBucket = `${bucket}-sse`;
    await aws("s3", "mb", `s3://${sseBucket}`);
    // big.bin goes as a multipart upload: CreateMultipartUpload is what is refused.
    const cases: Array<[string[], string, string]> = [
      [["--sse", "AES256"], "NotImplemented", "small.bin"],
      [["--sse", "AES256"], "NotImplemented", "big.bin"],
      [["--sse", "aws:kms", "--sse-kms-key-id", "my-key"], "NotImplemented", "small.bin"],
      [["--sse-c", "AES256", "--sse-c-key", "k".repeat(32)], "InvalidRequest", "small.bin"],
      [["--sse-c", "AES256", "--sse-c-key", "k".repeat(32)], "InvalidRequest", "big.bin"],
    ];
    for (const [flags, code, file] of cases) {
      expect(await refused(aws("s3", "cp", "--only-show-errors", ...flags, join(work, file), `s3://${sseBucket}/${file}`))).toContain(code);
      expect((await fetch(`${url}/api/files/${sseBucket}/${file}`)).status).toBe(404);
    }
    expect(JSON.parse((await aws("s3api", "list-multipart-uploads", "--bucket", sseBucket)) || "{}").Uploads ?? []).toEqual([]);
    await aws("s3", "rb", `s3://${sseBucket}`);
  });
});

describe("rclone", () => {
  const remote = (path: string) => `:s3,provider=Other,access_key_id=${KEY},secret_access_key=${SECRET},endpoint='${endpoint}':${path}`;
  const rc = (...args: string[]) => rcloneRun(work, ...args);

  test("mkdir, put (single and multipart above --s3-upload-cutoff), list, get, check, delete", async () => {
    await rc("mkdir", remote("rclone-bucket"));
    await rc("copyto", join(work, "small.bin"), remote("rclone-bucket/in/small.bin"));
    await rc("copyto", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", join(work, "big.bin"), remote("rclone-bucket/in/big.bin"));

    const listing = JSON.parse(await rc("lsjson", "-R", remote("rclone-bucket")));
    const files = listing.filter((e: { IsDir: boolean }) => !e.IsDir).map((e: { Path: string; Size: number }) => [e.Path, e.Size]);
    expect(files).toEqual([
      ["in/big.bin", big.length],
      ["in/small.bin", small.length],
    ]);
    // rclone compares its MD5 with the ETag of a single-part upload.
    expect(await rc("md5sum", remote("rclone-bucket/in/small.bin"))).toContain(new Bun.CryptoHasher("md5").update(small).digest("hex"));

    await rc("copyto", remote("rclone-bucket/in/big.bin"), join(work, "rclone-big.out"));
    expect(fileSha(join(work, "rclone-big.out"))).toBe(sha256(big));
    expect(sha256(await getBytes(url, "rclone-bucket/in/small.bin"))).toBe(sha256(small));
    await rc("check", "--one-way", "--include", "small.bin", work, remote("rclone-bucket/in"));

    await rc("deletefile", remote("rclone-bucket/in/small.bin"));
    await rc("purge", remote("rclone-bucket"));
    expect((await fetch(`${url}/api/files/rclone-bucket`)).status).toBe(404);
  });

  test("modification times survive a round trip, single and multipart", async () => {
    await rc("mkdir", remote("rclone-times"));
    const when = new Date("2021-03-04T05:06:07.000Z");
    for (const [name, data] of [["old-small.bin", small], ["old-big.bin", big]] as const) {
      writeFileSync(join(work, name), data);
      utimesSync(join(work, name), when, when);
      await rc("copyto", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", join(work, name), remote(`rclone-times/${name}`));
    }
    const listing = JSON.parse(await rc("lsjson", remote("rclone-times")));
    expect(listing.map((e: { Name: string; ModTime: string }) => [e.Name, new Date(e.ModTime).getTime()])).toEqual([
      ["old-big.bin", when.getTime()],
      ["old-small.bin", when.getTime()],
    ]);
    await rc("purge", remote("rclone-times"));
  });

  test("server-side encryption options fail and store nothing", async () => {
    await rc("mkdir", remote("rclone-sse"));
    const once = ["--retries", "1", "--low-level-retries", "1"];
    // (rclone itself will not send SSE-C keys over HTTP, so only the server-managed kinds reach the node.)
    for (const sse of ["AES256", "aws:kms"]) {
      expect(await refused(rc("copyto", ...once, "--s3-server-side-encryption", sse, join(work, "small.bin"), remote("rclone-sse/small.bin")))).toContain("NotImplemented");
      expect((await fetch(`${url}/api/files/rclone-sse/small.bin`)).status).toBe(404);
    }
    await rc("purge", remote("rclone-sse"));
  });
});

describe("s3cmd", () => {
  /** s3cmd with a config of its own (path-style requests to the node, SigV4, plain HTTP). */
  const s3 = (...args: string[]) => {
    const config = join(work, "s3cmd.cfg");
    if (!existsSync(config)) {
      const host = endpoint.replace("http://", "");
      const lines = [`access_key = ${KEY}`, `secret_key = ${SECRET}`, `host_base = ${host}`, `host_bucket = ${host}`, "use_https = False", "signature_v2 = False", "bucket_location = us-east-1"];
      writeFileSync(config, `[default]\n${lines.join("\n")}\n`);
    }
    return run([s3cmd!, "-c", config, "--no-progress", ...args], { ...process.env, HOME: work });
  };
  /** 5 MiB and a bit: one PutObject for s3cmd (its multipart threshold is 15 MiB), a multi-chunk GET. */
  const five = randomBytes(5 * 1024 * 1024 + 4321);

  test("put and get of a 5 MiB object (single and multipart), ls, info with the type and metadata sent, del, rb", async () => {
    writeFileSync(join(work, "five.bin"), five);
    const when = new Date("2020-01-02T03:04:05.000Z");
    utimesSync(join(work, "five.bin"), when, when);
    await s3("mb", "s3://s3cmd-bucket");
    await s3("put", "--preserve", "--mime-type=application/x-five", "--add-header=x-amz-meta-colour:green", join(work, "five.bin"), "s3://s3cmd-bucket/in/five.bin");
    await s3("put", "--multipart-chunk-size-mb=5", join(work, "big.bin"), "s3://s3cmd-bucket/in/big.bin");
    expect(sha256(await getBytes(url, "s3cmd-bucket/in/five.bin"))).toBe(sha256(five));

    // s3cmd get reads Content-Length from the response (a chunked answer is KeyError: 'content-length'),
    // compares the MD5 with the ETag of a single-part object and dates the file by Last-Modified.
    await s3("get", "s3://s3cmd-bucket/in/five.bin", join(work, "s3cmd-five.out"));
    await s3("get", "s3://s3cmd-bucket/in/big.bin", join(work, "s3cmd-big.out"));
    expect(fileSha(join(work, "s3cmd-five.out"))).toBe(sha256(five));
    expect(fileSha(join(work, "s3cmd-big.out"))).toBe(sha256(big));
    const head = await fetch(`${url}/api/files/s3cmd-bucket/in/five.bin`, { method: "HEAD" });
    expect(Bun.file(join(work, "s3cmd-five.out")).lastModified).toBe(Date.parse(head.headers.get("last-modified")!));
    // sync sets the file's time from s3cmd's own x-amz-meta-s3cmd-attrs, which the node hands back as it came.
    await s3("sync", "s3://s3cmd-bucket/in/", `${join(work, "s3cmd-sync")}/`);
    expect(fileSha(join(work, "s3cmd-sync", "five.bin"))).toBe(sha256(five));
    expect(Bun.file(join(work, "s3cmd-sync", "five.bin")).lastModified).toBe(when.getTime());

    const ls = await s3("ls", "--recursive", "s3://s3cmd-bucket");
    expect(ls).toContain(`${five.length}  s3://s3cmd-bucket/in/five.bin`);
    expect(ls).toContain(`${big.length}  s3://s3cmd-bucket/in/big.bin`);
    const info = await s3("info", "s3://s3cmd-bucket/in/five.bin");
    expect(info).toMatch(/MIME type:\s+application\/x-five/);
    expect(info).toMatch(/x-amz-meta-colour:\s+green/);
    expect(info).toContain(new Bun.CryptoHasher("md5").update(five).digest("hex"));

    await s3("del", "--recursive", "--force", "s3://s3cmd-bucket/in/");
    expect(await s3("ls", "--recursive", "s3://s3cmd-bucket")).not.toContain("five.bin");
    await s3("rb", "s3://s3cmd-bucket");
    expect((await fetch(`${url}/api/files/s3cmd-bucket`)).status).toBe(404);
  });
});
