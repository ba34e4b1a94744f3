// What a modal question asks (components/ui/Dialog.svelte shows it): kept apart from the component so that
// plain modules can build questions (conflict-dialogs.ts).

export interface DialogRequest {
  title: string;
  message?: string;
  input?: { label: string; value: string; selectStem?: boolean };
  confirmLabel: string;
  danger?: boolean;
  /** Why the typed value cannot be used, or undefined. */
  validate?: (value: string) => string | undefined;
  run: (value: string) => Promise<void>;
  /** Another way to go ahead, e.g. "Keep both" beside "Replace". */
  alternate?: DialogAnswer;
  /** Further answers, shown before the alternate (a bulk move's "Skip" beside "Keep both" and "Replace all"). */
  more?: DialogAnswer[];
}

export interface DialogAnswer {
  label: string;
  testid: string;
  run: (value: string) => Promise<void>;
}
