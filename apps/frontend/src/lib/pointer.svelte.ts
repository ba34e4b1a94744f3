// Whether this screen can drag files onto the page: a phone or tablet (a touch screen with no hover) cannot,
// so the UI does not tell it to "drop files here". Follows the device as it changes (a tablet's keyboard).
import { CAN_DROP_QUERY } from "./drop.ts";

class PointerKind {
  /** A mouse or trackpad is the main pointer: files can be dragged in from the desktop. */
  canDrop = $state(true);
  private started = false;

  init(): void {
    if (this.started || typeof window === "undefined" || !window.matchMedia) return;
    this.started = true;
    const mq = window.matchMedia(CAN_DROP_QUERY);
    this.canDrop = !mq.matches;
    mq.addEventListener("change", (e) => (this.canDrop = !e.matches));
  }
}

export const pointer = new PointerKind();
