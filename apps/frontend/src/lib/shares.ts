// Which of the shares the node lists belong to one folder (the share dialog shows those, to end them).
import type { ResponseOf } from "@orrery/api";
import { normalize } from "./paths.ts";

type Share = ResponseOf<"listShares">["shares"][number];

/** The shares of exactly `folder` (not of folders above or below it), users before groups, then by name. */
export function sharesOf(shares: readonly Share[], folder: string): Share[] {
  const want = normalize(folder);
  const whom = (s: Share) => (s.group !== undefined ? `1${s.group}` : `0${s.user ?? ""}`);
  return shares.filter((s) => normalize(s.path) === want).sort((a, b) => whom(a).localeCompare(whom(b)));
}
