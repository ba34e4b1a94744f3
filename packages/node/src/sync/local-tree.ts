// The local side of a sync: the folder's entries (hashing only files whose size or mtime moved since the
// base), and the guard that stops everything when the folder itself is gone or replaced.
import { createReadStream } from "node:fs";
import { lstat, readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { BaseEntry, Entries, LocalEntry } from "./reconcile.ts";
import { isReserved, STATE_DB_NAME, TEMP_PREFIX } from "./state-db.ts";

/** The local folder has disappeared, been replaced or unmounted: the sync must stop, deleting nothing. */
export class LocalRootGone extends Error {}

/** SHA-256 of a file, streamed (a large file is never held in memory). */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hasher = new Bun.CryptoHasher("sha256");
    createReadStream(path)
      .on("data", (chunk) => hasher.update(chunk as Buffer))
      .on("error", reject)
      .on("end", () => resolve(hasher.digest("hex")));
  });
}

/** What identifies a folder beyond its name: a recreated folder or a mount point without its disk differ here. */
interface Identity {
  dev: number;
  ino: number;
  dbIno: number;
}

const gone = (root: string, e: unknown) =>
  new LocalRootGone(`the local folder ${root} is gone or unreadable (${(e as Error).message}); stopping without deleting anything`);
const replaced = (root: string) =>
  new LocalRootGone(`the local folder ${root} was replaced or unmounted (it is not the folder, or lacks the ${STATE_DB_NAME}, the sync started with); stopping without deleting anything`);
// The folder is there but its state db is not: a recursive delete caught half-way, or a replacement that got
// the old folder's inode number back (file systems reuse them), so either may be the case.
const emptied = (root: string) =>
  new LocalRootGone(`the local folder ${root} is gone, or was replaced or unmounted (its ${STATE_DB_NAME} is missing); stopping without deleting anything`);

/** The folder's identity; `dbIno` is -1 when the state db is missing. */
async function identity(root: string): Promise<Identity> {
  const dir = await stat(root).catch((e) => Promise.reject(gone(root, e)));
  if (!dir.isDirectory()) throw gone(root, new Error("not a directory"));
  const db = await stat(join(root, STATE_DB_NAME)).catch(() => undefined);
  return { dev: dir.dev, ino: dir.ino, dbIno: db?.ino ?? -1 };
}

export class LocalRoot {
  private constructor(
    readonly path: string,
    private readonly id: Identity,
  ) {}

  /** Call after the state db is open in `path`. */
  static async open(path: string): Promise<LocalRoot> {
    const id = await identity(path);
    if (id.dbIno === -1) throw replaced(path);
    return new LocalRoot(path, id);
  }

  /** Throws LocalRootGone unless the folder (and the state db in it) is the very one the sync started with. */
  async check(): Promise<void> {
    const now = await identity(this.path);
    if (now.dev !== this.id.dev || now.ino !== this.id.ino) throw replaced(this.path);
    if (now.dbIno === -1) throw emptied(this.path);
    if (now.dbIno !== this.id.dbIno) throw replaced(this.path);
  }

  /**
   * Every entry below the root, `/`-separated relative paths; reserved names, links and special files are
   * skipped. `removeTemp`: delete the temporary files of downloads a killed sync left behind.
   */
  async scan(base: Entries<BaseEntry>, opts: { removeTemp?: boolean } = {}): Promise<Map<string, LocalEntry>> {
    await this.check();
    const out = new Map<string, LocalEntry>();
    const walk = async (dir: string, rel: string) => {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        // A sub-folder deleted while we walk is simply gone; the root going is what check() reports.
        if (rel !== "" && (e as NodeJS.ErrnoException).code === "ENOENT") return;
        if (rel === "") await this.check();
        throw e;
      }
      for (const name of names.sort()) {
        if (isReserved(name)) {
          if (opts.removeTemp && name.startsWith(TEMP_PREFIX)) await unlink(join(dir, name)).catch(() => {});
          continue;
        }
        const abs = join(dir, name);
        const path = rel === "" ? name : `${rel}/${name}`;
        const info = await lstat(abs).catch(() => undefined);
        if (!info) continue;
        if (info.isDirectory()) {
          out.set(path, { kind: "dir" });
          await walk(abs, path);
        } else if (info.isFile()) {
          const entry = await this.file(abs, info.size, info.mtimeMs, base.get(path));
          if (entry) out.set(path, entry);
        }
      }
    };
    await walk(this.path, "");
    await this.check(); // an empty scan of a vanished folder must never read as "everything deleted"
    return out;
  }

  private async file(abs: string, size: number, mtimeMs: number, b: BaseEntry | undefined): Promise<LocalEntry | undefined> {
    if (b?.kind === "file" && b.sha256 !== null && b.size === size && b.mtimeMs === mtimeMs) return { kind: "file", size, mtimeMs, sha256: b.sha256 };
    try {
      return { kind: "file", size, mtimeMs, sha256: await hashFile(abs) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // deleted since readdir
      throw e;
    }
  }
}
