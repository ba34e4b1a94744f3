// Delta anti-entropy for manifests, without I/O: build a request from local marks, answer one from a
// store, apply the answers page by page; plus the zod schemas of the two RPC bodies.
//
// Why absorbing the peer's marks after a complete answer is safe. Every store keeps this invariant:
// "if the newest write ever made to a path has seq <= mark[its origin], the store holds it (or the
// row at that path is at least as new)". Take a row r of origin O with r.seq <= peerMark[O] that we
// lack. At the peer, r is either present, so r.seq > our mark[O] and it was sent, or superseded
// there by a newer row s. That s was sent under its own origin (s.seq > our mark[s.origin]), or
// s.seq <= our mark[s.origin] and we already cover s, hence r. Either way, after applying the answer
// our row at r.path is at least as new as r, so mark[O] may cover r.seq without our ever seeing r.
//
// Paging: the argument needs one snapshot of the peer, but pages are read at different times. So a
// round absorbs the marks of its FIRST page (the newest write of a path, if those marks cover it,
// was at the peer when that page was read and stays there), and asks for later pages with a cursor: our
// marks raised to the highest seq received per origin. Rows are served in (origin, seq) order, so
// the cursor sweeps every (origin, seq) position the peer holds. Rows that reach the peer meanwhile
// ahead of the cursor are simply fetched too. One that lands behind it either has a seq above the
// snapshot's marks (not absorbed: the next round fetches it) or is not the newest write of its path
// (the newest, if covered by the snapshot, was already at the peer when the snapshot was read).
import { z } from "zod";
import { badRequest } from "../errors.ts";
import { nodeIdSchema } from "./hlc.ts";
import { type Manifest, manifestSchema } from "./manifest.ts";
import { type ManifestStore, type Marks, markOf } from "./manifest-store.ts";
import { compareNames } from "./path.ts";

/** Origins in one marks map: far above any real cluster, small enough to vet quickly. */
export const MAX_MARKS = 10_000;
/** Entries in one manifests.push call (a recursive delete or move pushes in batches of this). */
export const MAX_PUSH_ENTRIES = 1_000;
/** Entries in one sync page. */
export const MAX_SYNC_PAGE_ENTRIES = 1_000;
/** Chunk ids in one sync page (~7 MB of JSON); a page always carries at least one entry. */
export const MAX_SYNC_PAGE_CHUNKS = 100_000;
/** A body limit for both routes: one page, or one maximal manifest (MAX_CHUNKS ids) with room to spare. */
export const MAX_SYNC_BODY_BYTES = 32 * 1024 * 1024;

export const marksSchema = z
  .record(nodeIdSchema, z.number().int().min(0).max(Number.MAX_SAFE_INTEGER))
  .refine((m) => Object.keys(m).length <= MAX_MARKS, `at most ${MAX_MARKS} origins`);

/** manifests.push (rpc/methods.ts): a peer pushes fresh writes; answered after they are committed. */
export const pushBodySchema = z.strictObject({
  entries: z.array(manifestSchema).max(MAX_PUSH_ENTRIES),
});

/** manifests.sync request: "send me what you have beyond these marks". */
export const syncRequestSchema = z.strictObject({ marks: marksSchema });

const inOriginSeqOrder = (entries: Manifest[]) =>
  entries.every((e, i) => {
    if (i === 0) return true;
    const prev = entries[i - 1]!;
    const byOrigin = compareNames(prev.origin, e.origin);
    return byOrigin < 0 || (byOrigin === 0 && prev.seq < e.seq);
  });

/** manifests.sync answer: one page of rows in (origin, seq) order and the peer's marks. */
export const syncResponseSchema = z.strictObject({
  entries: z
    .array(manifestSchema)
    .max(MAX_SYNC_PAGE_ENTRIES)
    .refine(inOriginSeqOrder, {
      message: "entries must be in (origin, seq) order",
      when: (payload) => payload.issues.length === 0,
    }),
  marks: marksSchema,
  more: z.boolean(),
});

export type PushBody = z.output<typeof pushBodySchema>;
export type SyncRequest = z.output<typeof syncRequestSchema>;
export type SyncResponse = z.output<typeof syncResponseSchema>;

/** Parses an internal body; a bad one is a 400 naming the first problem, never a crash. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw badRequest("invalid_body", `invalid body at ${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

/** Handles a validated push: merges the rows, returns those that won (e.g. to log or to forward). */
export function applyPush(store: ManifestStore, body: PushBody): Manifest[] {
  return store.apply(body.entries);
}

/** The answer to a push: how many rows won, and the version each pushed key (path, kind) holds now (in push order). */
/**
 * Applies a push and answers it once the rows are on disk: the pusher counts this node's copy toward its
 * quorum. The versions are read at once (what this node holds now), the answer waits for the fsync.
 */
export async function pushAnswer(store: ManifestStore, body: PushBody): Promise<{ applied: number; versions: string[] }> {
  const won = applyPush(store, body);
  const answer = { applied: won.length, versions: body.entries.map((e) => store.versionOf(e.path, e.kind) ?? "") };
  await store.durable();
  return answer;
}

export interface SyncPageLimits {
  maxEntries?: number;
  maxChunks?: number;
}

/** Answers a validated sync request with one page of the rows the caller lacks. */
export function answerSyncRequest(store: ManifestStore, request: SyncRequest, limits: SyncPageLimits = {}): SyncResponse {
  const maxEntries = Math.min(limits.maxEntries ?? MAX_SYNC_PAGE_ENTRIES, MAX_SYNC_PAGE_ENTRIES);
  const maxChunks = limits.maxChunks ?? MAX_SYNC_PAGE_CHUNKS;
  const page = store.changesSince(request.marks, maxEntries);
  // A prefix keeps (origin, seq) order, so the caller's cursor still works, and `more` tells it to come back.
  const keep = chunkBoundedPrefix(page.entries, maxChunks);
  if (keep === page.entries.length) return page;
  return { entries: page.entries.slice(0, keep), marks: page.marks, more: true };
}

/**
 * How many of `rows` a page may carry: it is cut once it holds `maxChunks` chunk ids (a page always carries at
 * least one row), so one answer stays within an RPC body however big the manifests.
 */
export function chunkBoundedPrefix(rows: readonly Manifest[], maxChunks: number): number {
  let chunks = 0;
  let keep = 0;
  while (keep < rows.length) {
    chunks += rows[keep]!.chunks.length;
    if (keep > 0 && chunks > maxChunks) break;
    keep++;
  }
  return keep;
}

/** The request a node sends at the start of a round: its own marks. */
export function buildSyncRequest(store: ManifestStore): SyncRequest {
  return { marks: store.marks() };
}

/**
 * One anti-entropy round against one peer, possibly several pages: request() → send → receive(answer),
 * until done. Holds the cursor and the first page's marks (see the comment at the top of this file).
 */
export class SyncRound {
  private readonly cursor: Marks;
  private peerMarks: Marks | undefined;
  private finished = false;
  pages = 0;
  received = 0;

  constructor(private readonly store: ManifestStore) {
    this.cursor = { ...store.marks() };
  }

  get done(): boolean {
    return this.finished;
  }

  request(): SyncRequest {
    if (this.finished) throw new Error("sync round already finished");
    return { marks: { ...this.cursor } };
  }

  /** Applies one answer; returns the rows that won here and whether the round is over. */
  receive(response: SyncResponse): { applied: Manifest[]; done: boolean } {
    if (this.finished) throw new Error("sync round already finished");
    if (response.more && response.entries.length === 0) {
      // Would ask for the same page forever.
      throw badRequest("invalid_sync_response", "peer said 'more' but sent no entries");
    }
    this.peerMarks ??= response.marks;
    const applied = this.store.apply(response.entries);
    for (const e of response.entries) {
      if (e.seq > markOf(this.cursor, e.origin)) this.cursor[e.origin] = e.seq;
    }
    this.pages++;
    this.received += response.entries.length;
    if (!response.more) {
      this.store.absorbMarks(this.peerMarks);
      this.finished = true;
    }
    return { applied, done: this.finished };
  }
}

export interface SyncRoundResult {
  pages: number;
  received: number;
  applied: number;
  /** False when maxPages ran out first: what was applied stays, the marks are not absorbed. */
  complete: boolean;
}

/**
 * Runs a whole round with an injected transport (HTTP in the node, a direct call in tests and the
 * simulator). An error from the transport or the store ends the round; applied pages stay applied.
 */
export async function runSyncRound(
  store: ManifestStore,
  fetchPage: (request: SyncRequest) => SyncResponse | Promise<SyncResponse>,
  opts: { maxPages?: number } = {},
): Promise<SyncRoundResult> {
  const maxPages = opts.maxPages ?? 10_000;
  const round = new SyncRound(store);
  let applied = 0;
  while (!round.done && round.pages < maxPages) {
    applied += round.receive(await fetchPage(round.request())).applied.length;
  }
  return { pages: round.pages, received: round.received, applied, complete: round.done };
}
