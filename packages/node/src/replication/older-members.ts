// Members of an earlier version, which do not know the quorum-read calls that carry this node's versions
// (manifests.newer, manifests.newerChildren): one answers such a call with unknown_method, and is then asked with
// the call it knows (manifests.get, manifests.children: every row it holds, which the reader compares itself) for
// a while, then with the new call again, since it may have been upgraded meanwhile.
import type { Logger } from "../log.ts";
import { TransferError } from "../transfer/transfer-error.ts";

/** How long a member that did not know a call is asked with the earlier one before it is tried again. */
export const NEWER_RETRY_MS = 60_000;

export class OlderMembers {
  /** Member → until when (on `now`) it is asked with the earlier calls. */
  private readonly until = new Map<string, number>();

  /** `now`: milliseconds on a monotonic clock. */
  constructor(
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  /** `current()` (the call named `method`), or `earlier()` for a member that does not know it. */
  async call<T>(memberId: string, method: string, current: () => Promise<T>, earlier: () => Promise<T>): Promise<T> {
    const until = this.until.get(memberId);
    if (until !== undefined && this.now() < until) return earlier();
    try {
      const answer = await current();
      this.until.delete(memberId);
      return answer;
    } catch (err) {
      if (!(err instanceof TransferError) || err.code !== "unknown_method") throw err;
      if (until === undefined) this.log.info(`a member does not know ${method} (an earlier version): asking it with the call it knows`, { member: memberId });
      this.until.set(memberId, this.now() + NEWER_RETRY_MS);
      return earlier();
    }
  }
}
