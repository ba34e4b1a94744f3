// Durations in config values: a number of seconds ("604800"), or a number with a unit ("500ms", "90s",
// "30m", "12h", "7d"). Parsed to milliseconds; anything else is refused with a message naming the forms.
import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
export const DURATION_RULE = "expected seconds (604800) or a number with a unit: 500ms, 90s, 30m, 12h, 7d";

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim().toLowerCase());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? "s"]!;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** A zod schema for a duration env var, giving milliseconds, at least `minMs`. */
export function durationMs(minMs: number) {
  return z
    .string()
    .transform((s, ctx) => {
      const ms = parseDurationMs(s);
      if (ms === undefined) {
        ctx.addIssue({ code: "custom", message: DURATION_RULE });
        return z.NEVER;
      }
      return ms;
    })
    .pipe(z.number().min(minMs, `must be at least ${minMs} ms`));
}
