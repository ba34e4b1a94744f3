// Garage's try_call_many, once for the whole node: start one call per member, and once a quorum answered
// (or the quorum became impossible) give the rest a short grace, then resolve — at once if everyone
// settled. Stragglers run on; their late outcomes are reported to `onLate`. With `hedge`, only the first
// members are called at once and the others only if those fail or are slow (a read that one answer completes).
import { type Clock, systemClock, type Timer } from "../util/clock.ts";

export interface CallManyOptions<T> {
  /**
   * Successes needed before the grace period starts (0: it starts at once; the count of members: wait for
   * all), or a test of the answers so far when "enough" depends on who answered what.
   */
  quorum: number | ((ok: ReadonlyMap<string, T>) => boolean);
  /** Once the quorum is reached, how long to wait for the others before resolving. */
  graceMs: number;
  /** An outcome that arrives after the result was returned (e.g. a straggler's copy landed). */
  onLate?: (memberId: string, outcome: { ok: true; value: T } | { ok: false; error: unknown }) => void;
  /**
   * Call only the `first` members at once; the others once one of those fails, once they all settled without a
   * quorum, or `afterMs` after the start, whichever comes first. Members not called by the time the result is
   * returned never are. Default: every member at once.
   */
  hedge?: { first: number; afterMs: number };
  /** Whose time the grace and the hedge run on (default: the system clock). */
  clock?: Clock;
}

export interface CallManyResult<T> {
  ok: Map<string, T>;
  failed: Map<string, unknown>;
  /** Calls still running when the result was returned. */
  pending: Set<string>;
  /** Resolves once every call has settled (stragglers included): nothing is using the request any more. */
  settled: Promise<void>;
}

export function callMany<T>(
  memberIds: readonly string[],
  call: (memberId: string) => Promise<T>,
  opts: CallManyOptions<T>,
): Promise<CallManyResult<T>> {
  const clock = opts.clock ?? systemClock;
  const ok = new Map<string, T>();
  const failed = new Map<string, unknown>();
  const pending = new Set<string>();
  const members = [...new Set(memberIds)];
  // Not called yet (hedge): they still count toward a quorum that is possible.
  const waiting = opts.hedge ? members.slice(Math.max(0, opts.hedge.first)) : [];
  let allSettled!: () => void;
  const settled = new Promise<void>((r) => (allSettled = r));
  return new Promise((resolve) => {
    let done = false;
    let grace: Timer | undefined;
    let hedge: Timer | undefined;
    const noteSettled = () => {
      if (pending.size === 0 && waiting.length === 0) allSettled();
    };
    const finish = () => {
      if (done) return;
      done = true;
      grace?.cancel();
      hedge?.cancel();
      waiting.length = 0;
      resolve({ ok: new Map(ok), failed: new Map(failed), pending: new Set(pending), settled });
      noteSettled();
    };
    const callRest = () => {
      hedge?.cancel();
      for (const id of waiting.splice(0)) start(id);
    };
    const check = () => {
      if (pending.size === 0 && waiting.length === 0) return finish();
      const q = opts.quorum;
      const reached = typeof q === "number" ? ok.size >= q : q(ok);
      // Failed too often to reach it: the answers still on their way only change who is reported.
      const impossible = typeof q === "number" && ok.size + pending.size + waiting.length < q;
      if (!(reached || impossible)) {
        if (pending.size === 0) callRest();
        return;
      }
      if (grace) return;
      if (opts.graceMs <= 0) return finish();
      grace = clock.timer(opts.graceMs, finish);
    };
    const start = (id: string) => {
      pending.add(id);
      let p: Promise<T>;
      try {
        p = call(id);
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (value) => {
          pending.delete(id);
          noteSettled();
          if (done) return opts.onLate?.(id, { ok: true, value });
          ok.set(id, value);
          check();
        },
        (error) => {
          pending.delete(id);
          noteSettled();
          if (done) return opts.onLate?.(id, { ok: false, error });
          failed.set(id, error);
          callRest();
          check();
        },
      );
    };
    for (const id of members.slice(0, members.length - waiting.length)) start(id);
    if (waiting.length > 0) hedge = clock.timer(opts.hedge!.afterMs, () => !done && callRest());
    check();
  });
}
