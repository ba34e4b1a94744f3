// Which entries of a listing are selected for a bulk action: click toggles one, shift-click takes the range
// from the last clicked (the anchor) in the order shown, "select all" takes every shown entry. Pure, keyed
// by the entry's key (listing.ts entryKey: kind and path, since a file and a folder may share a path), so a
// re-sort or a reload keeps what is still there.

export interface Selection {
  paths: ReadonlySet<string>;
  /** The last path toggled on its own: where a shift-click range starts. */
  anchor?: string;
}

export const noSelection: Selection = { paths: new Set() };

/** `path` in or out; it becomes the anchor. */
export function toggle(sel: Selection, path: string): Selection {
  const paths = new Set(sel.paths);
  if (paths.has(path)) paths.delete(path);
  else paths.add(path);
  return { paths, anchor: path };
}

/**
 * Shift-click: every path from the anchor to `path` in `order` (inclusive) takes the state the anchor has,
 * as file managers do; without an anchor still shown, a plain toggle. The anchor stays where it was.
 */
export function selectRange(sel: Selection, path: string, order: readonly string[]): Selection {
  const from = sel.anchor === undefined ? -1 : order.indexOf(sel.anchor);
  const to = order.indexOf(path);
  if (from < 0 || to < 0) return toggle(sel, path);
  const on = sel.paths.has(sel.anchor!);
  const paths = new Set(sel.paths);
  for (const p of order.slice(Math.min(from, to), Math.max(from, to) + 1)) {
    if (on) paths.add(p);
    else paths.delete(p);
  }
  return { paths, anchor: sel.anchor };
}

/** Every shown entry, or none when every shown one is selected already (the header checkbox). */
export function toggleAll(sel: Selection, order: readonly string[]): Selection {
  if (order.length > 0 && allState(sel, order) === "all") return noSelection;
  return { paths: new Set(order), anchor: sel.anchor };
}

/** What the header checkbox shows for the entries shown. */
export function allState(sel: Selection, order: readonly string[]): "none" | "some" | "all" {
  const n = order.filter((p) => sel.paths.has(p)).length;
  return n === 0 ? "none" : n === order.length ? "all" : "some";
}

/** Only the paths still in `present` (after a reload, a delete, a filter): nothing hidden stays selected. */
export function retain(sel: Selection, present: readonly string[]): Selection {
  const keep = new Set(present);
  const paths = [...sel.paths].filter((p) => keep.has(p));
  if (paths.length === sel.paths.size) return sel;
  return { paths: new Set(paths), anchor: sel.anchor !== undefined && keep.has(sel.anchor) ? sel.anchor : undefined };
}

/** The selected paths in the order shown. */
export const selectedIn = (sel: Selection, order: readonly string[]): string[] => order.filter((p) => sel.paths.has(p));
