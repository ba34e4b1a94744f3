// The upload queue as a pure state machine: each upload moves queued → uploading → done | error |
// cancelled (and back to queued on retry); speed and ETA come from recent progress samples. The
// XMLHttpRequest side lives in uploader.svelte.ts and only feeds events in.

export type Durability = "quorum" | "fast" | "all";
export const DURABILITIES: readonly Durability[] = ["quorum", "fast", "all"];

export type UploadStatus = "queued" | "uploading" | "done" | "error" | "cancelled";

export interface PutResult {
  path: string;
  size: number;
  sha256?: string;
  copies?: number;
  queued?: number;
  underReplicated?: boolean;
  replicationFactor?: number;
}

/**
 * What an upload asks of the name it writes (the node decides it in one round with other writers): `absent`
 * (If-None-Match: *) when the page believed the name free, `match` (If-Match: its ETag, the SHA-256) when the
 * user chose to replace the file they saw. A file that appeared or changed meanwhile is then never replaced
 * silently: the node answers 412 and the upload waits for the user's answer.
 */
export type UploadPrecondition = { kind: "absent" } | { kind: "match"; etag: string };

export interface Sample {
  t: number;
  loaded: number;
}

export interface Upload {
  id: number;
  /** What the user picked, relative to the folder they dropped ("holiday/a.jpg"). */
  name: string;
  /** Destination in the store. */
  path: string;
  size: number;
  loaded: number;
  status: UploadStatus;
  durability: Durability;
  error?: string;
  result?: PutResult;
  startedAt?: number;
  finishedAt?: number;
  /** Recent (time, bytes sent) pairs, for the speed. */
  samples: Sample[];
  precondition?: UploadPrecondition;
  /** The node refused it (412): the name was taken, or the file changed, after the page looked. */
  conflict?: boolean;
}

export type UploadEvent =
  | { type: "start"; now: number }
  | { type: "progress"; loaded: number; now: number }
  | { type: "done"; result: PutResult; now: number }
  | { type: "fail"; error: string; now: number }
  | { type: "conflict"; error: string; now: number }
  /** Again, after a conflict: to the same name over what is there now, or to another name. */
  | { type: "resend"; path: string; name: string; precondition: UploadPrecondition }
  | { type: "cancel"; now: number }
  | { type: "retry" };

/** How far back the speed looks: long enough to be steady, short enough to follow changes. */
export const SPEED_WINDOW_MS = 3000;
const MAX_SAMPLES = 32;

export function newUpload(id: number, name: string, path: string, size: number, durability: Durability, precondition?: UploadPrecondition): Upload {
  return { id, name, path, size, loaded: 0, status: "queued", durability, samples: [], ...(precondition ? { precondition } : {}) };
}

/**
 * Each picked file's precondition, from the listing the page showed: a top-level name not listed must still be
 * free (absent), a listed file is replaced only as it was seen (match its SHA-256: the user chose Replace, or
 * was asked); a file in a folder not listed is new as well (absent). Inside a listed folder the page saw
 * nothing: no precondition, as a folder upload merges into it.
 */
export function uploadPreconditions(
  relPaths: readonly string[],
  existing: ReadonlyArray<{ name: string; kind: string; sha256?: string | null }>,
): Map<string, UploadPrecondition | undefined> {
  const files = new Map(existing.filter((e) => e.kind === "file").map((e) => [e.name, e.sha256]));
  const dirs = new Set(existing.filter((e) => e.kind === "dir").map((e) => e.name));
  const out = new Map<string, UploadPrecondition | undefined>();
  for (const rel of relPaths) {
    const slash = rel.indexOf("/");
    if (slash >= 0) out.set(rel, dirs.has(rel.slice(0, slash)) ? undefined : { kind: "absent" });
    else if (!files.has(rel)) out.set(rel, { kind: "absent" });
    else {
      const sha = files.get(rel);
      out.set(rel, sha ? { kind: "match", etag: sha } : undefined);
    }
  }
  return out;
}

/** The request headers of an upload's precondition. */
export function preconditionHeaders(p: UploadPrecondition | undefined): Record<string, string> {
  if (!p) return {};
  return p.kind === "absent" ? { "if-none-match": "*" } : { "if-match": `"${p.etag}"` };
}

/**
 * The next state of an upload after an event. Events that do not apply to the current state (a
 * late progress event after cancel, a second "done") leave the upload unchanged.
 */
export function transition(u: Upload, e: UploadEvent): Upload {
  switch (e.type) {
    case "start":
      if (u.status !== "queued") return u;
      return { ...u, status: "uploading", loaded: 0, startedAt: e.now, samples: [{ t: e.now, loaded: 0 }], error: undefined };
    case "progress": {
      if (u.status !== "uploading") return u;
      const loaded = Math.min(u.size, Math.max(u.loaded, e.loaded));
      const samples = [...u.samples, { t: e.now, loaded }].filter((s, i, all) => i === all.length - 1 || e.now - s.t <= SPEED_WINDOW_MS);
      return { ...u, loaded, samples: samples.slice(-MAX_SAMPLES) };
    }
    case "done":
      if (u.status !== "uploading") return u;
      return { ...u, status: "done", loaded: u.size, result: e.result, finishedAt: e.now };
    case "fail":
      if (u.status !== "uploading" && u.status !== "queued") return u;
      return { ...u, status: "error", error: e.error, finishedAt: e.now };
    case "conflict":
      if (u.status !== "uploading") return u;
      return { ...u, status: "error", error: e.error, conflict: true, finishedAt: e.now };
    case "resend":
      if (u.status !== "error" && u.status !== "cancelled") return u;
      return {
        ...u,
        path: e.path,
        name: e.name,
        precondition: e.precondition,
        conflict: undefined,
        status: "queued",
        loaded: 0,
        samples: [],
        error: undefined,
        result: undefined,
        startedAt: undefined,
        finishedAt: undefined,
      };
    case "cancel":
      if (u.status !== "uploading" && u.status !== "queued") return u;
      return { ...u, status: "cancelled", finishedAt: e.now };
    case "retry":
      if (u.status !== "error" && u.status !== "cancelled") return u;
      return { ...u, status: "queued", loaded: 0, samples: [], error: undefined, result: undefined, startedAt: undefined, finishedAt: undefined };
  }
}

/**
 * Percent for the progress bar, 0–100. A finished transfer that the node has not answered yet
 * (it is still writing copies) stays at 99 so that 100 means "stored".
 */
export function percent(u: Upload): number {
  if (u.status === "done") return 100;
  if (u.size === 0) return 0;
  return Math.min(99, Math.floor((u.loaded / u.size) * 100));
}

/** Bytes per second over the recent samples; 0 when there is not enough to tell. */
export function speed(u: Upload, now: number): number {
  if (u.status === "done" && u.startedAt !== undefined && u.finishedAt !== undefined) {
    const secs = (u.finishedAt - u.startedAt) / 1000;
    return secs > 0 ? u.size / secs : 0;
  }
  if (u.status !== "uploading") return 0;
  const recent = u.samples.filter((s) => now - s.t <= SPEED_WINDOW_MS);
  const first = recent[0] ?? u.samples[u.samples.length - 1];
  const last = u.samples[u.samples.length - 1];
  if (!first || !last) return 0;
  const secs = (Math.max(now, last.t) - first.t) / 1000;
  return secs >= 0.25 ? (last.loaded - first.loaded) / secs : 0;
}

/** Seconds left at the current speed; undefined when unknown. */
export function eta(u: Upload, now: number): number | undefined {
  if (u.status !== "uploading") return undefined;
  const rate = speed(u, now);
  return rate > 0 ? (u.size - u.loaded) / rate : undefined;
}

/** The node has every byte and is writing copies: the bar is full but the answer is pending. */
export const isStoring = (u: Upload): boolean => u.status === "uploading" && u.size > 0 && u.loaded >= u.size;

/** Which queued uploads to start now so that at most `concurrency` run at once (oldest first). */
export function toStart(uploads: readonly Upload[], concurrency: number): number[] {
  const running = uploads.filter((u) => u.status === "uploading").length;
  return uploads
    .filter((u) => u.status === "queued")
    .slice(0, Math.max(0, concurrency - running))
    .map((u) => u.id);
}

export interface QueueSummary {
  total: number;
  queued: number;
  uploading: number;
  done: number;
  error: number;
  cancelled: number;
  /** Bytes sent and to send over the uploads that are not cancelled or failed. */
  loaded: number;
  bytes: number;
}

export function summarize(uploads: readonly Upload[]): QueueSummary {
  const s: QueueSummary = { total: uploads.length, queued: 0, uploading: 0, done: 0, error: 0, cancelled: 0, loaded: 0, bytes: 0 };
  for (const u of uploads) {
    s[u.status]++;
    if (u.status === "error" || u.status === "cancelled") continue;
    s.loaded += u.loaded;
    s.bytes += u.size;
  }
  return s;
}

/** True while anything is queued or sending (leaving the page would lose it). */
export const isBusy = (uploads: readonly Upload[]): boolean => uploads.some((u) => u.status === "queued" || u.status === "uploading");

/** Drops finished uploads (done or cancelled) from the list; failures stay until dismissed. */
export const clearFinished = (uploads: readonly Upload[]): Upload[] =>
  uploads.filter((u) => u.status !== "done" && u.status !== "cancelled");
