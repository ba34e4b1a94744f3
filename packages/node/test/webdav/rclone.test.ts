// rclone as a WebDAV client of a real node: copy up and down, list, server-side move, delete, with
// every change visible in the files API. Then the same through `rclone mount` (FUSE) when usable.
import { getAnswer } from "../harness/api.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getBytes, put, randomBytes, sha256, TestCluster, waitFor } from "../harness/cluster.ts";

let cluster: TestCluster;
let url: string;
let work: string;
let rcloneEnv: Record<string, string>;

beforeAll(async () => {
  if (!Bun.which("rclone")) throw new Error("rclone is not installed (apt-get install -y rclone)");
  cluster = await TestCluster.start(1, { replicationFactor: 3 });
  url = cluster.nodes[0]!.url;
  work = mkdtempSync(join(tmpdir(), "orrery-rclone-"));
  writeFileSync(join(work, "rclone.conf"), "");
  // An empty config of our own: nothing read from or written to the user's ~/.config/rclone.
  rcloneEnv = { ...(process.env as Record<string, string>), RCLONE_CONFIG: join(work, "rclone.conf") };
});
afterAll(async () => {
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const remoteFlags = () => ["--webdav-url", `${url}/dav/`, "--webdav-vendor", "other", "--low-level-retries", "1", "--retries", "1"];

async function rclone(...args: string[]): Promise<string> {
  const proc = Bun.spawn(["rclone", ...remoteFlags(), ...args], { env: rcloneEnv, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), 30_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`rclone ${args.join(" ")} exited ${code}:\n${err}`);
  return out;
}

const apiStatus = async (path: string) => (await fetch(`${url}/api/files/${path}`)).status;
const apiNames = async (dir: string) =>
  (await getAnswer(`${url}/api/files/${dir}`, "getFile")).entries.map((e) => e.name).sort();

describe("rclone as a WebDAV client", () => {
  const big = randomBytes(2_500_000); // three 1 MiB chunks
  const files: Record<string, Uint8Array> = {
    "a.txt": new TextEncoder().encode("hello over webdav\n"),
    "sp ace/ünï €.txt": new TextEncoder().encode("unicode name\n"),
    "sp ace/big.bin": big,
  };

  test("copy up: files land in the files API with the same bytes", async () => {
    const src = join(work, "up");
    for (const [p, b] of Object.entries(files)) {
      mkdirSync(join(src, p, ".."), { recursive: true });
      writeFileSync(join(src, p), b);
    }
    await rclone("copy", src, ":webdav:up");
    expect(await apiNames("up")).toEqual(["a.txt", "sp ace"]);
    for (const [p, b] of Object.entries(files)) expect(sha256(await getBytes(url, `up/${encodeURI(p)}`))).toBe(sha256(b));
  });

  test("list: rclone sees names and sizes, including a file written through the files API", async () => {
    expect((await put(url, "up/from-api.txt", "made by the files API")).status).toBe(201);
    const listing = JSON.parse(await rclone("lsjson", "-R", ":webdav:up")) as Array<{ Path: string; Size: number; IsDir: boolean }>;
    const sizes = Object.fromEntries(listing.filter((e) => !e.IsDir).map((e) => [e.Path, e.Size]));
    expect(sizes).toEqual({
      "a.txt": files["a.txt"]!.length,
      "from-api.txt": 21,
      "sp ace/big.bin": big.length,
      "sp ace/ünï €.txt": files["sp ace/ünï €.txt"]!.length,
    });
    expect(await rclone("cat", ":webdav:up/from-api.txt")).toBe("made by the files API");
  });

  test("copy down: the same bytes come back", async () => {
    const dst = join(work, "down");
    await rclone("copy", ":webdav:up", dst);
    for (const [p, b] of Object.entries(files)) expect(sha256(readFileSync(join(dst, p)))).toBe(sha256(b));
  });

  test("server-side move and delete show in the files API", async () => {
    await rclone("moveto", ":webdav:up/a.txt", ":webdav:up/moved/a2.txt");
    expect(await apiStatus("up/a.txt")).toBe(404);
    expect(await apiStatus("up/moved/a2.txt")).toBe(200);
    await rclone("delete", ":webdav:up/moved/a2.txt");
    expect(await apiStatus("up/moved/a2.txt")).toBe(404);
    await rclone("purge", ":webdav:up");
    expect(await apiStatus("up")).toBe(404);
  });
});

/** Why `rclone mount` cannot run here, or undefined when FUSE looks usable. */
function fuseUnavailable(): string | undefined {
  if (process.platform !== "linux") return `not Linux (${process.platform})`;
  if (!existsSync("/dev/fuse")) return "/dev/fuse does not exist";
  try {
    closeSync(openSync("/dev/fuse", "r+"));
  } catch (err) {
    return `/dev/fuse cannot be opened: ${(err as Error).message}`;
  }
  if (!Bun.which("fusermount3") && !Bun.which("fusermount")) return "no fusermount (install fuse3)";
  return undefined;
}

const isMounted = (dir: string) => readFileSync("/proc/self/mounts", "utf8").split("\n").some((l) => l.split(" ")[1] === dir);

describe("rclone mount (FUSE)", () => {
  test("write, list, read, rename and delete through the mount; the files API agrees", async () => {
    const reason = fuseUnavailable();
    if (reason) {
      console.log(`SKIPPED the rclone mount part: ${reason}`);
      return;
    }
    const mnt = join(work, "mnt");
    mkdirSync(mnt);
    // --vfs-cache-mode off: writes stream straight through to PUT, so the files API sees them on close.
    const proc = Bun.spawn(["rclone", ...remoteFlags(), "mount", ":webdav:", mnt, "--vfs-cache-mode", "off", "--dir-cache-time", "0s"], {
      env: rcloneEnv,
      stdout: "ignore",
      stderr: "pipe",
    });
    const unmount = () => Bun.spawnSync([Bun.which("fusermount3") ? "fusermount3" : "fusermount", "-u", "-z", mnt]);
    try {
      await waitFor(() => isMounted(mnt) || proc.exitCode !== null, 15_000, "the rclone mount");
      if (!isMounted(mnt)) {
        const err = await new Response(proc.stderr).text();
        if (/permission|not permitted|fusermount/i.test(err)) {
          console.log(`SKIPPED the rclone mount part: FUSE mounting is not permitted here:\n${err}`);
          return;
        }
        throw new Error(`rclone mount failed:\n${err}`);
      }
      const data = randomBytes(1_500_000);
      mkdirSync(join(mnt, "m"));
      writeFileSync(join(mnt, "m", "x.bin"), data);
      writeFileSync(join(mnt, "m", "note.txt"), "via fuse");
      expect(readdirSync(join(mnt, "m")).sort()).toEqual(["note.txt", "x.bin"]);
      expect(sha256(await getBytes(url, "m/x.bin"))).toBe(sha256(data));
      expect(new TextDecoder().decode(await getBytes(url, "m/note.txt"))).toBe("via fuse");

      expect((await put(url, "m/api.txt", "from the API")).status).toBe(201);
      expect(readFileSync(join(mnt, "m", "api.txt"), "utf8")).toBe("from the API");
      expect(sha256(readFileSync(join(mnt, "m", "x.bin")))).toBe(sha256(data));

      renameSync(join(mnt, "m", "note.txt"), join(mnt, "m", "renamed.txt"));
      rmSync(join(mnt, "m", "x.bin"));
      expect(await apiNames("m")).toEqual(["api.txt", "renamed.txt"]);
      rmSync(join(mnt, "m"), { recursive: true });
      expect(await apiStatus("m")).toBe(404);
    } finally {
      if (isMounted(mnt)) unmount();
      proc.kill();
      await proc.exited;
    }
  }, 60_000);
});
