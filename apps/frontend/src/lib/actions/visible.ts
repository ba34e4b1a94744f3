// Calls back once when an element first scrolls into view (for lazy per-row fetches).
import type { Action } from "svelte/action";

export const whenVisible: Action<HTMLElement, () => void> = (node, callback) => {
  let cb = callback;
  if (typeof IntersectionObserver === "undefined") {
    cb?.();
    return {};
  }
  const io = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        cb?.();
      }
    },
    { rootMargin: "200px" },
  );
  io.observe(node);
  return {
    update(next) {
      cb = next;
    },
    destroy() {
      io.disconnect();
    },
  };
};
