// Runs the upload queue: one XMLHttpRequest per file (fetch reports no upload progress), a few at
// a time, feeding progress into the pure state machine in upload-queue.ts. Lives at module level,
// so uploads go on while the user browses other folders.
import type { Picked } from "./drop.ts";
import { describeError, errorFromBody } from "./errors.ts";
import { apiFileUrl, join } from "./paths.ts";
import { api } from "./api.ts";
import { notices } from "./notices.svelte.ts";
import {
  type Durability,
  type PutResult,
  type Upload,
  type UploadEvent,
  clearFinished,
  isBusy,
  newUpload,
  preconditionHeaders,
  toStart,
  transition,
  type UploadPrecondition,
} from "./upload-queue.ts";

/** Parallel uploads: enough to fill the link, few enough that each shows steady progress. */
const CONCURRENCY = 3;

type StoredListener = (path: string) => void;
/** Told of an upload the node refused with 412; true when it asks the user what to do (a folder's page does). */
type ConflictListener = (u: Upload) => boolean;

class Uploader {
  uploads = $state<Upload[]>([]);
  /** Ticks while something is uploading, so speeds and ETAs refresh between progress events. */
  now = $state(Date.now());

  private nextId = 1;
  private files = new Map<number, File>();
  private requests = new Map<number, XMLHttpRequest>();
  private listeners = new Set<StoredListener>();
  private conflictListeners = new Set<ConflictListener>();
  private clock: ReturnType<typeof setInterval> | undefined;

  /**
   * Queues every picked file under `dir`, each with its precondition (by its path relative to `dir`;
   * upload-queue.ts uploadPreconditions); empty folders are created right away.
   */
  async add(picked: Picked, dir: string, durability: Durability, preconditions?: ReadonlyMap<string, UploadPrecondition | undefined>): Promise<void> {
    for (const d of picked.emptyDirs) {
      try {
        await api.mkdir(join(dir, d));
        this.emit(join(dir, d));
      } catch {
        // A folder that cannot be created shows up as missing; the files are what matters.
      }
    }
    const added = picked.files.map(({ file, relPath }) => {
      const u = newUpload(this.nextId++, relPath, join(dir, relPath), file.size, durability, preconditions?.get(relPath));
      this.files.set(u.id, file);
      return u;
    });
    this.uploads = [...this.uploads, ...added];
    this.pump();
  }

  cancel(id: number): void {
    const xhr = this.requests.get(id);
    this.apply(id, { type: "cancel", now: Date.now() });
    xhr?.abort();
  }

  cancelAll(): void {
    for (const u of this.uploads) if (u.status === "queued" || u.status === "uploading") this.cancel(u.id);
  }

  /** Sends a refused upload again: to `path` (its name `name`) under a new precondition. */
  resend(id: number, path: string, name: string, precondition: UploadPrecondition): void {
    this.apply(id, { type: "resend", path, name, precondition });
    this.pump();
  }

  /** Called with every upload the node refuses with 412 (see ConflictListener). */
  onConflict(fn: ConflictListener): () => void {
    this.conflictListeners.add(fn);
    return () => this.conflictListeners.delete(fn);
  }

  retry(id: number): void {
    this.apply(id, { type: "retry" });
    this.pump();
  }

  dismiss(id: number): void {
    if (this.requests.has(id)) return;
    this.uploads = this.uploads.filter((u) => u.id !== id);
    this.files.delete(id);
  }

  clearFinished(): void {
    this.uploads = clearFinished(this.uploads);
    const keep = new Set(this.uploads.map((u) => u.id));
    for (const id of this.files.keys()) if (!keep.has(id)) this.files.delete(id);
  }

  get busy(): boolean {
    return isBusy(this.uploads);
  }

  /** Called with the path of every file stored (to refresh the listing it appears in). */
  onStored(fn: StoredListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(path: string): void {
    for (const fn of this.listeners) fn(path);
  }

  private apply(id: number, e: UploadEvent): void {
    this.uploads = this.uploads.map((u) => (u.id === id ? transition(u, e) : u));
  }

  private pump(): void {
    for (const id of toStart(this.uploads, CONCURRENCY)) this.send(id);
    this.tick();
  }

  private tick(): void {
    if (this.uploads.some((u) => u.status === "uploading")) {
      this.clock ??= setInterval(() => (this.now = Date.now()), 500);
    } else if (this.clock) {
      clearInterval(this.clock);
      this.clock = undefined;
      this.now = Date.now();
    }
  }

  private send(id: number): void {
    const u = this.uploads.find((x) => x.id === id);
    const file = this.files.get(id);
    if (!u || !file) return;
    this.apply(id, { type: "start", now: Date.now() });

    const xhr = new XMLHttpRequest();
    this.requests.set(id, xhr);
    xhr.open("PUT", `${apiFileUrl(u.path)}?durability=${u.durability}`);
    // The file's own type, so the node keeps it and serves it back (previews go by it); without one the
    // browser sends none and the node takes the type from the name's extension.
    if (file.type) xhr.setRequestHeader("content-type", file.type);
    if (file.lastModified > 0) xhr.setRequestHeader("x-orrery-mtime", String(file.lastModified));
    for (const [name, value] of Object.entries(preconditionHeaders(u.precondition))) xhr.setRequestHeader(name, value);

    xhr.upload.onprogress = (e) => this.apply(id, { type: "progress", loaded: e.loaded, now: Date.now() });
    const finish = (e: UploadEvent) => {
      this.requests.delete(id);
      this.apply(id, e);
      if (e.type === "done") {
        this.files.delete(id);
        this.emit(u.path);
      }
      if (e.type === "fail") notices.error(`Upload of ${u.name} failed: ${e.error}`);
      if (e.type === "conflict") {
        const refused = this.uploads.find((x) => x.id === id)!;
        const asked = [...this.conflictListeners].some((fn) => fn(refused));
        if (!asked) notices.error(`Upload of ${u.name} stopped: ${e.error}`);
      }
      this.pump();
    };
    xhr.onload = () => {
      if (xhr.status === 201 || xhr.status === 200) {
        let result: PutResult = { path: u.path, size: u.size };
        try {
          result = JSON.parse(xhr.responseText) as PutResult;
        } catch {
          // Stored all the same; the listing will show it.
        }
        finish({ type: "done", result, now: Date.now() });
      } else if (xhr.status === 412 && u.precondition) {
        const what = u.precondition.kind === "absent" ? "A file of this name appeared" : "The file changed";
        finish({ type: "conflict", error: `${what} after the folder was listed; nothing was replaced`, now: Date.now() });
      } else {
        finish({ type: "fail", error: describeError(errorFromBody(xhr.status, xhr.responseText, xhr.statusText)), now: Date.now() });
      }
    };
    xhr.onerror = () =>
      finish({ type: "fail", error: "The node is unreachable: the upload was interrupted. Retry when it is back.", now: Date.now() });
    xhr.onabort = () => finish({ type: "cancel", now: Date.now() });
    xhr.send(file);
  }
}

export const uploader = new Uploader();
