// `orrery get <remote> [local|-]`: streams a file to `<local>.part`, renamed into place only when the
// byte count matches the length and the sha256 matches the ETag; or streams it to stdout.
import { rmSync } from "node:fs";
import { type FileHandle, open, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { CliError, ExitCode, UsageError, errorText, localError } from "../errors.ts";
import { transferSummary } from "../format.ts";
import { err, out, printJson, writeStdoutData } from "../io.ts";
import { Progress } from "../progress.ts";
import { baseName, displayPath, filesApiPath, isRoot, parseRemotePath } from "../remote-path.ts";
import type { CommandContext } from "./context.ts";

/** `get /docs/a.txt some/dir` writes some/dir/a.txt, as cp does. */
async function destination(local: string | undefined, name: string): Promise<string> {
  if (local === undefined) return name;
  const info = await stat(local).catch(() => undefined);
  return info?.isDirectory() ? join(local, name) : local;
}

/** The file's sha256 from an ETag of the form `"<hex>"`, if that is what the node sent. */
const etagSha256 = (etag: string | null) => /^"([0-9a-f]{64})"$/.exec(etag ?? "")?.[1];

const contentLength = (res: Response) => {
  const n = Number(res.headers.get("content-length") ?? Number.NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

/**
 * Nodes send Content-Length on every GET; one of an older version (on Bun.serve, which dropped it on streamed
 * bodies, oven-sh/bun#10507) did not, while its HEAD had it: then ask HEAD, and trust it only for the same ETag.
 */
async function lengthFromHead(ctx: CommandContext, path: string, etag: string | null): Promise<number | undefined> {
  if (etag === null) return undefined;
  try {
    const head = await ctx.client.send("HEAD", path);
    return head.ok && head.headers.get("etag") === etag ? contentLength(head) : undefined;
  } catch {
    return undefined;
  }
}

interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  /** After all bytes arrived and were checked. */
  commit(): Promise<void>;
  /** After a failure: leave nothing half-written behind. */
  discard(): Promise<void>;
}

function stdoutSink(): Sink {
  return { write: writeStdoutData, commit: async () => {}, discard: async () => {} };
}

async function fileSink(dest: string): Promise<Sink> {
  const part = `${dest}.part`;
  let fh: FileHandle;
  try {
    fh = await open(part, "w");
  } catch (e) {
    throw localError(`cannot write ${dest}: ${errorText(e)}`);
  }
  // Ctrl-C mid-download should not leave a .part file behind.
  const onInterrupt = () => {
    rmSync(part, { force: true });
    process.exit(130);
  };
  process.once("SIGINT", onInterrupt);
  const settle = () => process.off("SIGINT", onInterrupt);
  return {
    async write(chunk) {
      try {
        await fh.write(chunk);
      } catch (e) {
        throw localError(`cannot write ${part}: ${errorText(e)}`);
      }
    },
    async commit() {
      settle();
      try {
        await fh.close();
        await rename(part, dest);
      } catch (e) {
        await unlink(part).catch(() => {});
        throw localError(`cannot write ${dest}: ${errorText(e)}`);
      }
    },
    async discard() {
      settle();
      await fh.close().catch(() => {});
      await unlink(part).catch(() => {});
    },
  };
}

export async function get(ctx: CommandContext): Promise<void> {
  const [remoteArg, local] = ctx.args.positionals as [string, string | undefined];
  const remote = parseRemotePath(remoteArg);
  if (isRoot(remote)) throw new UsageError("get needs a remote file path; use 'orrery ls' for directories", false);
  const toStdout = local === "-";
  const dest = toStdout ? undefined : await destination(local, baseName(remote));

  // Ask first: a missing remote file must not leave an empty local file behind.
  const apiPath = filesApiPath(remote);
  const res = await ctx.client.request("GET", apiPath);
  if (res.headers.get("content-type")?.includes("application/json")) {
    await res.body?.cancel();
    throw new CliError(ExitCode.failed, `${displayPath(remote)} is a directory; use 'orrery ls ${displayPath(remote)}'`, "is_a_directory");
  }
  const total = contentLength(res) ?? (await lengthFromHead(ctx, apiPath, res.headers.get("etag")));
  const expectedSha = etagSha256(res.headers.get("etag"));

  let sink: Sink;
  try {
    sink = toStdout ? stdoutSink() : await fileSink(dest!);
  } catch (e) {
    await res.body?.cancel();
    throw e;
  }
  const progress = new Progress({ label: displayPath(remote), total, enabled: ctx.progress });
  const hasher = new Bun.CryptoHasher("sha256");
  let received = 0;
  const reader = res.body!.getReader();
  try {
    for (;;) {
      let next;
      try {
        next = await reader.read();
      } catch (e) {
        throw new CliError(ExitCode.failed, `download of ${displayPath(remote)} broke off after ${received} bytes: ${errorText(e)}`);
      }
      if (next.done) break;
      await sink.write(next.value);
      hasher.update(next.value);
      received += next.value.byteLength;
      progress.update(received);
    }
    if (total !== undefined && received !== total) {
      throw new CliError(ExitCode.failed, `download of ${displayPath(remote)} is incomplete: ${received} of ${total} bytes`);
    }
    const sha256 = hasher.digest("hex");
    if (expectedSha !== undefined && sha256 !== expectedSha) {
      throw new CliError(ExitCode.failed, `download of ${displayPath(remote)} is corrupt: sha256 ${sha256}, the node's ETag says ${expectedSha}`);
    }
    await sink.commit();
    const elapsed = progress.end();
    const summary = { path: displayPath(remote), local: dest ?? "-", size: received, sha256 };
    if (ctx.json && !toStdout) printJson(summary);
    // With the data on stdout, the summary can only go to stderr.
    else if (!ctx.json) (toStdout ? err : out)(`got ${summary.path} -> ${summary.local}  ${transferSummary(received, elapsed)}`);
  } catch (e) {
    progress.end();
    await reader.cancel().catch(() => {});
    await sink.discard();
    throw e;
  }
}
