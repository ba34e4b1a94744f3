// Makes an element a drop target for files and folders from the desktop: counts nested drag enters (for an
// overlay while a drag is over it), walks dropped folders, and hands the files over. Drags of text or
// links from the page are ignored; a drop beside the target does not make the browser open the file.
import type { Action } from "svelte/action";
import { entriesFromDrop, type Picked, walkEntries } from "../drop.ts";

export interface FileDropOptions {
  /** How many drag enters are open (> 0: something droppable is over the target). */
  ondepth: (depth: number) => void;
  onpick: (picked: Picked) => void;
  onerror: (err: unknown) => void;
}

const carriesFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files");

export const fileDrop: Action<HTMLElement, FileDropOptions> = (node, options) => {
  let opts = options;
  let depth = 0;
  const setDepth = (d: number) => opts.ondepth((depth = d));
  const enter = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    setDepth(depth + 1);
  };
  const over = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
  };
  const leave = (e: DragEvent) => {
    if (carriesFiles(e)) setDepth(Math.max(0, depth - 1));
  };
  const drop = async (e: DragEvent) => {
    if (!carriesFiles(e) || !e.dataTransfer) return;
    e.preventDefault();
    setDepth(0);
    const { entries: dropped, loose } = entriesFromDrop(e.dataTransfer);
    try {
      const walked = await walkEntries(dropped);
      opts.onpick({ files: [...walked.files, ...loose.map((file) => ({ file, relPath: file.name }))], emptyDirs: walked.emptyDirs });
    } catch (err) {
      opts.onerror(err);
    }
  };
  const guard = (e: DragEvent) => {
    if (carriesFiles(e)) e.preventDefault();
  };
  const listeners: [EventTarget, string, (e: DragEvent) => void][] = [
    [node, "dragenter", enter],
    [node, "dragover", over],
    [node, "dragleave", leave],
    [node, "drop", (e) => void drop(e)],
    [window, "dragover", guard],
    [window, "drop", guard],
  ];
  for (const [target, type, fn] of listeners) target.addEventListener(type, fn as EventListener);
  return {
    update(next) {
      opts = next;
    },
    destroy() {
      for (const [target, type, fn] of listeners) target.removeEventListener(type, fn as EventListener);
    },
  };
};
