// Asks as few members as can make a quorum, in order of preference, rather than all of them (callMany): the next
// one is asked when one fails, and every other one once those asked have not made the quorum within a hedge
// delay. A quorum read of manifests so costs one call per owner it needs, not one per owner (Garage's read
// strategy: ask the quorum, not the set).
import { type Clock, systemClock, type Timer } from "../util/clock.ts";

export interface CallQuorumOptions {
  /** Whether the members for which `answered` holds make the quorum (the caller counts its own part in). */
  enough: (answered: (id: string) => boolean) => boolean;
  /** How long the members asked may leave the quorum unmade before every other member is asked too. */
  hedgeMs: number;
  /** Whose time the hedge runs on (default: the system clock). */
  clock?: Clock;
}

export interface CallQuorumResult<T> {
  /** Whether the answers made the quorum (false: every member was asked and too many failed). */
  reached: boolean;
  ok: Map<string, T>;
  failed: Map<string, unknown>;
  /** Members asked beyond the first ones (after a failure, or by the hedge): what slowness or faults cost. */
  extra: number;
}

/**
 * Calls members of `preferred` in its order until those answering (or still asked) could make the quorum, and
 * resolves as soon as the answers do, or once it can no longer be made. Calls still running then run on; their
 * answers are ignored.
 */
export function callQuorum<T>(preferred: readonly string[], call: (memberId: string) => Promise<T>, opts: CallQuorumOptions): Promise<CallQuorumResult<T>> {
  const ok = new Map<string, T>();
  const failed = new Map<string, unknown>();
  const pending = new Set<string>();
  const order = [...new Set(preferred)];
  let next = 0;
  let first = 0;
  return new Promise((resolve) => {
    let done = false;
    let hedge: Timer | undefined;
    const finish = (reached: boolean) => {
      done = true;
      hedge?.cancel();
      resolve({ reached, ok, failed, extra: next - first });
    };
    const ask = (id: string) => {
      pending.add(id);
      let answer: Promise<T>;
      try {
        answer = call(id);
      } catch (err) {
        answer = Promise.reject(err);
      }
      answer.then(
        (value) => {
          pending.delete(id);
          if (done) return;
          ok.set(id, value);
          settle();
        },
        (err) => {
          pending.delete(id);
          if (done) return;
          failed.set(id, err);
          settle();
        },
      );
    };
    const settle = () => {
      if (opts.enough((id) => ok.has(id))) return finish(true);
      // Those asked can no longer make it alone (one failed): ask the next, until they could.
      while (next < order.length && !opts.enough((id) => ok.has(id) || pending.has(id))) ask(order[next++]!);
      if (pending.size === 0) finish(false);
    };
    settle();
    first = next;
    if (!done && next < order.length) {
      hedge = (opts.clock ?? systemClock).timer(opts.hedgeMs, () => {
        while (!done && next < order.length) ask(order[next++]!);
      });
    }
  });
}
