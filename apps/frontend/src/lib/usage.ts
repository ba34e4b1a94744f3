// What a signed-in user's files take, and of how much: the account page's storage line, from GET /api/me
// (the node counts the files in the user's home, each once however many copies it has; the quota is an admin's).
import type { Me } from "./api.ts";
import { formatBytes, formatPercent } from "./format.ts";

export interface AccountUsage {
  /** "1.2 MiB of 5 MiB", or "1.2 MiB" without a quota. */
  value: string;
  /** Where they are and what is left. */
  detail: string;
  /** Used over quota, for the gauge; undefined without a quota. */
  fraction?: number;
  full: boolean;
}

/** Undefined where there is nothing to say: nobody logged in, or a node that counts no usage. */
export function accountUsage(me: Me | undefined): AccountUsage | undefined {
  if (!me?.user || me.usedBytes === undefined) return undefined;
  const used = me.usedBytes;
  if (me.quotaBytes === null) return { value: formatBytes(used), detail: `the files in ${me.home}, each counted once; no quota`, full: false };
  const quota = me.quotaBytes;
  const fraction = quota === 0 ? 1 : used / quota;
  const full = used >= quota;
  const detail = full
    ? "your quota is used up: uploads are refused until you remove files or an admin raises it"
    : `${formatPercent(fraction)} of your quota (the files in ${me.home}); ${formatBytes(quota - used)} left`;
  return { value: `${formatBytes(used)} of ${formatBytes(quota)}`, detail, fraction, full };
}
