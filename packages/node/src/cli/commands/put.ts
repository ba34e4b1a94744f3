// `orrery put <local|-> <remote>`: streams a file (or stdin) to PUT /api/files/<remote> without ever
// holding it in memory, hashing it on the way so the node's sha256 can be checked against ours.
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { PutResult as PutResponse } from "@orrery/api";
import { CliError, ExitCode, UsageError, errorText, localError } from "../errors.ts";
import { errorFromResponse } from "../http.ts";
import { transferSummary } from "../format.ts";
import { err, out, printJson } from "../io.ts";
import { Progress } from "../progress.ts";
import { childPath, displayPath, filesApiPath, isRoot, parseRemotePath, type RemotePath } from "../remote-path.ts";
import { countingStream, watchSource } from "../streams.ts";
import type { CommandContext } from "./context.ts";

interface Source {
  stream: ReadableStream<Uint8Array>;
  /** Known for files, not for stdin. */
  size?: number;
  mtime?: number;
}

async function openSource(local: string): Promise<Source> {
  if (local === "-") return { stream: Bun.stdin.stream() };
  let info;
  try {
    info = await stat(local);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw localError(code === "ENOENT" ? `${local}: no such file` : `cannot read ${local}: ${errorText(e)}`);
  }
  if (info.isDirectory()) throw localError(`${local} is a directory; put uploads one file`);
  // Bun.file opens lazily; open once now so a permission problem is reported before any request.
  try {
    await (await open(local, "r")).close();
  } catch (e) {
    throw localError(`cannot read ${local}: ${errorText(e)}`);
  }
  // A pipe or device (`put <(cmd) x`) has no meaningful size: progress then shows bytes and rate only.
  const size = info.isFile() ? info.size : undefined;
  return { stream: Bun.file(local).stream(), size, mtime: Math.floor(info.mtimeMs) };
}

/** `put a.txt docs/` means docs/a.txt, as with cp. */
function target(remoteArg: string, local: string): RemotePath {
  const remote = parseRemotePath(remoteArg);
  if (!remote.dir) return remote;
  if (local === "-") throw new UsageError(`put from stdin needs a file name, not the directory ${displayPath(remote)}`, false);
  return childPath(remote, basename(local));
}

export async function put(ctx: CommandContext): Promise<void> {
  const [local, remoteArg] = ctx.args.positionals as [string, string];
  const remote = target(remoteArg, local);
  if (isRoot(remote)) throw new UsageError("put needs a remote file path", false);
  const source = await openSource(local);

  const hasher = new Bun.CryptoHasher("sha256");
  const progress = new Progress({ label: displayPath(remote), total: source.size, enabled: ctx.progress });
  let sent = 0;
  let readError: unknown;
  const body = watchSource(source.stream, (e) => (readError = e)).pipeThrough(
    countingStream((chunk) => {
      hasher.update(chunk);
      sent += chunk.byteLength;
      progress.update(sent);
    }),
  );

  let res: Response;
  try {
    res = await ctx.client.send("PUT", filesApiPath(remote), {
      body,
      query: { durability: ctx.args.durability },
      // No Content-Type: the node infers it from the name or the first bytes (a type sent would be kept as the file's).
      headers: {
        // A known length lets the node refuse at once what cannot fit (a quota, a full store) before the body is sent.
        ...(source.size !== undefined ? { "content-length": String(source.size) } : {}),
        // The node records the local modification time instead of the upload time.
        ...(source.mtime !== undefined ? { "x-orrery-mtime": String(source.mtime) } : {}),
      },
    });
  } catch (e) {
    progress.end();
    if (readError !== undefined) throw localError(`cannot read ${local}: ${errorText(readError)}`);
    // The declared Content-Length no longer matches: the request was not sent whole, so nothing was stored.
    if (source.size !== undefined && sent !== source.size) {
      throw localError(`${local} changed while it was uploaded: ${source.size} bytes at the start, ${sent} read; nothing was stored`);
    }
    throw e;
  }
  const elapsed = progress.end();
  if (!res.ok) throw await errorFromResponse(res);
  const result = (await res.json()) as PutResponse;

  const sha256 = hasher.digest("hex");
  if (result.size !== sent || result.sha256 !== sha256) {
    throw new CliError(
      ExitCode.failed,
      `the node stored ${result.size} bytes with sha256 ${result.sha256}, but ${sent} bytes with sha256 ${sha256} were sent`,
    );
  }

  if (ctx.json) printJson(result);
  else {
    const rf = result.replicationFactor;
    const queued = result.queued > 0 ? `, ${result.queued} queued` : "";
    out(`put ${result.path}  ${transferSummary(sent, elapsed)}  ${result.copies}${rf ? ` of ${rf}` : ""} copies (${result.durability}${queued})`);
  }
  // Queued copies are normal after a quorum write; too few live owners is worth a word.
  if (result.underReplicated) {
    err(`orrery: warning: ${result.path} is under-replicated (${result.copies} durable copies); the node will add copies as members return`);
  }
}
