// What to do with a local copy of a chunk this node no longer owns (pure): keep it until every
// current owner confirmed a copy and the grace period has passed, then delete it; if owners still
// lack it after the grace period (the responsible owner did not feed them), send it ourselves.

export type SurplusAction =
  | { kind: "keep" }
  | { kind: "delete" }
  /** Owners that still lack the chunk after the grace period: queue copies to them. */
  | { kind: "feed"; targets: string[] };

export function decideSurplus(opts: {
  owners: readonly string[];
  /** Owners that confirmed a copy just now (from HAS answers). */
  confirmed: ReadonlySet<string>;
  /** Owners that could not be asked. */
  unreachable: ReadonlySet<string>;
  /** When this node first saw the copy as surplus (ms). */
  surplusSince: number;
  now: number;
  graceMs: number;
}): SurplusAction {
  const { owners, confirmed, unreachable, surplusSince, now, graceMs } = opts;
  if (owners.length === 0) return { kind: "keep" };
  const graceOver = now - surplusSince >= graceMs;
  if (owners.every((o) => confirmed.has(o))) return graceOver ? { kind: "delete" } : { kind: "keep" };
  const lacking = owners.filter((o) => !confirmed.has(o) && !unreachable.has(o));
  return graceOver && lacking.length > 0 ? { kind: "feed", targets: lacking } : { kind: "keep" };
}
