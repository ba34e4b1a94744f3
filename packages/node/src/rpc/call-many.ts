// Garage's try_call_many, once for the whole node: start one call per member, and once a quorum answered
// (or the quorum became impossible) give the rest a short grace, then resolve — at once if everyone
// settled. Stragglers run on; their late outcomes are reported to `onLate`.
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
  /** Whose time the grace runs on (default: the system clock). */
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
  const ok = new Map<string, T>();
  const failed = new Map<string, unknown>();
  const pending = new Set(memberIds);
  let allSettled!: () => void;
  const settled = new Promise<void>((r) => (allSettled = r));
  return new Promise((resolve) => {
    let done = false;
    let grace: Timer | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      grace?.cancel();
      // ok and failed change no more once done (late outcomes go to onLate); pending still shrinks.
      resolve({ ok, failed, pending: new Set(pending), settled });
    };
    const check = () => {
      if (pending.size === 0) {
        allSettled();
        return finish();
      }
      const q = opts.quorum;
      const reached = typeof q === "number" ? ok.size >= q : q(ok);
      // Failed too often to reach it: the answers still on their way only change who is reported.
      const impossible = typeof q === "number" && ok.size + pending.size < q;
      if (!(reached || impossible) || grace) return;
      if (opts.graceMs <= 0) return finish();
      grace = (opts.clock ?? systemClock).timer(opts.graceMs, finish);
    };
    for (const id of new Set(memberIds)) {
      let p: Promise<T>;
      try {
        p = call(id);
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (value) => {
          pending.delete(id);
          if (pending.size === 0) allSettled();
          if (done) return opts.onLate?.(id, { ok: true, value });
          ok.set(id, value);
          check();
        },
        (error) => {
          pending.delete(id);
          if (pending.size === 0) allSettled();
          if (done) return opts.onLate?.(id, { ok: false, error });
          failed.set(id, error);
          check();
        },
      );
    }
    check();
  });
}
