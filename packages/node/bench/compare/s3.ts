// The S3 figures (Orrery only: the peers have no S3 API): a large upload with rclone's defaults (5 MiB parts,
// 4 at once) and with `aws s3 cp` (8 MiB parts, 10 at once), and `aws s3 sync` of a directory of 4 KiB files,
// each timed as the tool's whole run, as its user waits for it. The source is a local file written (and synced)
// before the clock starts, with bytes of its own every repetition.
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Payload } from "../payload.ts";
import { mbps, opsPerSec } from "../stats.ts";
import { smallContent, smallName } from "./content.ts";
import { runTimed } from "./own-processes.ts";
import type { Measurement } from "./report.ts";
import type { OrrerySystem } from "./systems/orrery.ts";
import type { WorkloadContext } from "./workloads.ts";

const BUCKET = "bench-s3";

/** A workload that cannot run here (a tool is missing): reported as skipped, not as failed. */
export class SkipWorkload extends Error {}

/** The aws CLI 2.x: Debian's /usr/bin/aws first (a 1.x on PATH, e.g. pyenv's, is not the one most people run). */
function awsBinary(): string | null {
  for (const bin of ["/usr/bin/aws", Bun.which("aws")]) {
    if (!bin) continue;
    const r = Bun.spawnSync([bin, "--version"], { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode === 0 && /^aws-cli\/2\./.test(r.stdout.toString() + r.stderr.toString())) return bin;
  }
  return null;
}

export class S3Workloads {
  private bucketReady = false;
  private readonly aws = awsBinary();
  private readonly rclone = Bun.which("rclone");

  constructor(
    private readonly ctx: WorkloadContext,
    private readonly orrery: OrrerySystem,
  ) {}

  private get dir(): string {
    return join(this.ctx.root, "s3-source");
  }

  private async bucket(): Promise<void> {
    if (this.bucketReady) return;
    // Buckets are the top-level directories.
    await this.orrery.mkdir(BUCKET);
    this.bucketReady = true;
  }

  private awsEnv(): Record<string, string | undefined> {
    return {
      ...process.env,
      AWS_ACCESS_KEY_ID: this.orrery.s3.accessKey,
      AWS_SECRET_ACCESS_KEY: this.orrery.s3.secretKey,
      AWS_DEFAULT_REGION: this.orrery.s3.region,
      AWS_CONFIG_FILE: join(this.ctx.root, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(this.ctx.root, "no-aws-credentials"),
      AWS_PAGER: "",
    };
  }

  private remote(path: string): string {
    const s = this.orrery.s3;
    return `:s3,provider=Other,access_key_id=${s.accessKey},secret_access_key=${s.secretKey},endpoint='${s.endpoint}':${path}`;
  }

  private writeSource(nonce: string): string {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, `large-${nonce}.bin`);
    const fd = openSync(path, "w");
    try {
      for (const piece of new Payload({ size: this.ctx.size, chunkSize: this.ctx.chunkSize, nonce }).pieces()) {
        for (let off = 0; off < piece.byteLength; ) off += writeSync(fd, piece, off, piece.byteLength - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return path;
  }

  async upload(tool: "rclone" | "aws", nonce: string, rep: number): Promise<Measurement> {
    const bin = tool === "rclone" ? this.rclone : this.aws;
    if (!bin) throw new SkipWorkload(`${tool === "rclone" ? "rclone" : "the aws CLI 2.x"} is not installed (sh scripts/system-deps.sh compare)`);
    await this.bucket();
    const src = this.writeSource(nonce);
    const key = `${tool}-${nonce}.bin`;
    Bun.spawnSync(["sync"]);
    try {
      const res =
        tool === "rclone"
          ? await runTimed([bin, "--config", join(this.ctx.root, "no-rclone.conf"), "copyto", src, this.remote(`${BUCKET}/${key}`)], this.ctx.own, {
              // AWS_CA_BUNDLE (set on some machines) makes rclone's S3 backend refuse its own HTTP transport.
              env: { ...process.env, AWS_CA_BUNDLE: undefined },
            })
          : await runTimed([bin, "--endpoint-url", this.orrery.s3.endpoint, "s3", "cp", "--no-progress", src, `s3://${BUCKET}/${key}`], this.ctx.own, { env: this.awsEnv() });
      if (res.code !== 0) throw new Error(`${tool} exited with ${res.code}: ${(res.stderr || res.stdout).trim().slice(-800)}`);
      const size = await this.storedSize(`${BUCKET}/${key}`);
      if (size !== this.ctx.size) throw new Error(`${tool} upload stored ${size} bytes, sent ${this.ctx.size}`);
      await this.orrery.settle();
      return { rep, value: mbps(this.ctx.size, res.ms), ms: res.ms, ok: 1, errors: 0, errorSamples: [] };
    } finally {
      rmSync(src, { force: true });
    }
  }

  async sync(nonce: string, rep: number): Promise<Measurement> {
    if (!this.aws) throw new SkipWorkload("the aws CLI 2.x is not installed (sh scripts/system-deps.sh compare)");
    await this.bucket();
    const src = join(this.dir, `small-${nonce}`);
    mkdirSync(src, { recursive: true });
    for (let i = 0; i < this.ctx.smallCount; i++) await Bun.write(join(src, smallName(i)), smallContent(nonce, i, 4096));
    Bun.spawnSync(["sync"]);
    const prefix = `sync-${nonce}`;
    try {
      const res = await runTimed([this.aws, "--endpoint-url", this.orrery.s3.endpoint, "s3", "sync", "--no-progress", src, `s3://${BUCKET}/${prefix}/`], this.ctx.own, { env: this.awsEnv() });
      if (res.code !== 0) throw new Error(`aws s3 sync exited with ${res.code}: ${(res.stderr || res.stdout).trim().slice(-800)}`);
      const listed = await this.listedFiles(`${BUCKET}/${prefix}`);
      if (listed !== this.ctx.smallCount) throw new Error(`aws s3 sync: ${listed} files listed afterwards, ${this.ctx.smallCount} sent`);
      await this.orrery.settle();
      return { rep, value: opsPerSec(this.ctx.smallCount, res.ms), ms: res.ms, ok: this.ctx.smallCount, errors: 0, errorSamples: [] };
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  }

  private async storedSize(path: string): Promise<number | null> {
    const res = await fetch(`${this.orrery.nodes[0]!.url}/api/stat/${path}`);
    if (!res.ok) return null;
    return ((await res.json()) as { size?: number }).size ?? null;
  }

  private async listedFiles(dir: string): Promise<number> {
    let count = 0;
    let after = "";
    for (;;) {
      const res = await fetch(`${this.orrery.nodes[0]!.url}/api/files/${dir}/${after ? `?after=${encodeURIComponent(after)}` : ""}`);
      if (!res.ok) throw new Error(`listing /${dir}: HTTP ${res.status}`);
      const body = (await res.json()) as { entries: { name?: string; path?: string; kind?: string }[]; more?: boolean };
      count += body.entries.filter((e) => e.kind !== "dir").length;
      if (!body.more || body.entries.length === 0) return count;
      const last = body.entries[body.entries.length - 1]!;
      after = last.name ?? last.path?.split("/").pop() ?? "";
    }
  }
}
