// A colour per cluster member that stays put: a member keeps its colour while the page is open,
// and new members take the first free colour, so a join does not repaint everyone else.
import { schemeTableau10 } from "d3-scale-chromatic";

export const PALETTE: readonly string[] = schemeTableau10;

/** Colour of the n-th slot: the palette, then golden-angle hues for clusters larger than it. */
export function slotColor(slot: number): string {
  if (slot < PALETTE.length) return PALETTE[slot]!;
  const hue = Math.round((slot * 137.508) % 360);
  return `hsl(${hue} 55% 52%)`;
}

/**
 * Assigns colour slots: members already in `previous` keep theirs; the others, in id order, take
 * the lowest slots not in use. Returns a new map (id → slot) holding only the given members.
 */
export function assignSlots(ids: readonly string[], previous: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const next = new Map<string, number>();
  const used = new Set<number>();
  for (const id of ids) {
    const slot = previous.get(id);
    if (slot !== undefined && !used.has(slot)) {
      next.set(id, slot);
      used.add(slot);
    }
  }
  let free = 0;
  for (const id of [...ids].sort()) {
    if (next.has(id)) continue;
    while (used.has(free)) free++;
    next.set(id, free);
    used.add(free);
  }
  return next;
}

/** The colour for a member in a slot map; grey for a member it does not know. */
export function memberColor(slots: ReadonlyMap<string, number>, id: string): string {
  const slot = slots.get(id);
  return slot === undefined ? "#8c8c8c" : slotColor(slot);
}
