// The pure side of bulk actions on a selection: where a bulk move may go and what it does with names already
// taken there, running one request per entry a few at a time with every failure kept, and the words that
// report how it went.
import { describeError } from "./errors.ts";
import { plural } from "./format.ts";
import { keepBothNames } from "./name-conflicts.ts";
import { basename, join, normalize, resolveDestination } from "./paths.ts";

/** “a”, “a” and “b”, or “a”, “b” and 3 more. */
export function listNames(names: readonly string[]): string {
  const quoted = names.slice(0, 2).map((n) => `“${n}”`);
  if (names.length <= 2) return quoted.join(" and ");
  return `${quoted.join(", ")} and ${names.length - 2} more`;
}

/** Why the selection cannot be moved to the folder typed (relative to `dir`), or undefined. */
export function moveProblem(dir: string, input: string, paths: readonly string[]): string | undefined {
  if (input.trim() === "") return "Enter a folder: a name here, “..” for the folder above, or “/a/b” from the top.";
  const to = resolveDestination(dir, input.trim());
  if (to === normalize(dir)) return "They are in that folder already.";
  const into = paths.find((p) => to === normalize(p) || to.startsWith(`${normalize(p)}/`));
  return into ? `“${basename(into)}” cannot be moved into itself.` : undefined;
}

export interface BulkOutcome<T> {
  done: T[];
  failed: { item: T; error: string }[];
}

/** `fn` for every item, `concurrency` at a time; a failure is kept, never stops the others. */
export async function runAll<T>(items: readonly T[], fn: (item: T) => Promise<unknown>, concurrency = 4): Promise<BulkOutcome<T>> {
  const out: BulkOutcome<T> = { done: [], failed: [] };
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
        out.done.push(item);
      } catch (err) {
        out.failed.push({ item, error: describeError(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/** "Deleted 3 items" or "Deleted 2 of 3 items; “x”: reason" (the first failure's reason; the count says the rest). */
export function outcomeText<T>(verb: string, o: BulkOutcome<T>, nameOf: (t: T) => string): string {
  const total = o.done.length + o.failed.length;
  if (o.failed.length === 0) return `${verb} ${plural(total, "item")}`;
  const first = o.failed[0]!;
  return `${verb} ${o.done.length} of ${plural(total, "item")}; not ${listNames(o.failed.map((f) => nameOf(f.item)))}: ${first.error}`;
}

/** What a bulk move does with the names already taken in the destination, asked once for all of them. */
export type MoveChoice = "replace" | "keep-both" | "skip";

interface Named {
  name: string;
  kind: string;
  path: string;
}

/** One move of a bulk move: `overwrite` replaces the entry of that name and kind in the destination. */
export interface MoveStep<T extends Named> {
  item: T;
  to: string;
  overwrite: boolean;
}

/**
 * The selected items whose name is taken in the destination by an entry of the same kind (a file may sit
 * beside a folder of its name, as the node allows: no conflict).
 */
export function moveConflicts<T extends Named>(items: readonly T[], existing: ReadonlyArray<{ name: string; kind: string }>): T[] {
  const taken = new Set(existing.map((e) => `${e.kind}:${e.name}`));
  return items.filter((e) => taken.has(`${e.kind}:${e.name}`));
}

/**
 * Every move a bulk move into `to` makes, once the user chose what to do with the conflicts: replace them,
 * keep both (the newcomer takes the next free "name (2).ext", free among the destination's names and the
 * other moved items'), or skip them (left where they are, returned in `skipped`).
 */
export function planBulkMove<T extends Named>(
  items: readonly T[],
  to: string,
  existing: ReadonlyArray<{ name: string; kind: string }>,
  choice: MoveChoice,
): { steps: MoveStep<T>[]; skipped: T[] } {
  const conflicts = new Set(moveConflicts(items, existing));
  const renames = choice === "keep-both" ? keepBothNames([...conflicts].map((e) => e.name), existing.map((e) => e.name), items.map((e) => e.name)) : new Map<string, string>();
  const steps: MoveStep<T>[] = [];
  const skipped: T[] = [];
  for (const item of items) {
    if (!conflicts.has(item)) steps.push({ item, to: join(to, item.name), overwrite: false });
    else if (choice === "skip") skipped.push(item);
    else if (choice === "replace") steps.push({ item, to: join(to, item.name), overwrite: true });
    else steps.push({ item, to: join(to, renames.get(item.name)!), overwrite: false });
  }
  return { steps, skipped };
}
