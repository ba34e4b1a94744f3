// One colour per member across the app (ring, lists, health), stable while the page is open.
import { assignSlots, memberColor } from "./colors.ts";

class MemberColors {
  private slots = $state(new Map<string, number>());

  /** Makes sure every id has a colour; existing ones keep theirs. */
  update(ids: readonly string[]): void {
    const known = ids.every((id) => this.slots.has(id));
    if (known && ids.length === this.slots.size) return;
    // Keep the colours of members that went away, in case they come back.
    const all = [...new Set([...this.slots.keys(), ...ids])];
    this.slots = assignSlots(all, this.slots);
  }

  of(id: string): string {
    return memberColor(this.slots, id);
  }
}

export const memberColors = new MemberColors();
