// Pure text formatting for the client: human sizes and durations, aligned tables, bars and the
// progress line. No I/O here, so every layout decision is unit-tested in format.test.ts.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** Binary units, three significant figures at most: `512 B`, `5.0 MiB`, `120 GiB`. */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(bytes)} B`;
  let text = value < 10 ? value.toFixed(1) : String(Math.round(value));
  if (text === "10.0") text = "10";
  // Rounding can reach the next unit (1023.7 KiB): say 1.0 MiB rather than 1024 KiB.
  if (text === "1024" && unit < UNITS.length - 1) {
    text = "1.0";
    unit++;
  }
  return `${text} ${UNITS[unit]}`;
}

export const humanRate = (bytesPerSecond: number) => `${humanSize(bytesPerSecond)}/s`;

const pad2 = (n: number) => String(n).padStart(2, "0");

/** Clock style for an ETA: `0:05`, `12:34`, `1:02:03`; unknown or infinite is `--:--`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${m}:${pad2(s % 60)}`;
}

/** How long a finished transfer took: `85ms`, `12.3s`, then clock style from a minute on. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms / 1000);
}

/** Two largest units of an uptime: `12s`, `4m 10s`, `2h 05m`, `3d 04h`. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${pad2(h)}h`;
  if (h > 0) return `${h}h ${pad2(m)}m`;
  if (m > 0) return `${m}m ${pad2(s % 60)}s`;
  return `${s}s`;
}

/** Local time to the minute, like `ls -l` with a sortable date: `2024-05-01 09:07`. */
export function formatMtime(ms: number): string {
  if (!Number.isFinite(ms)) return "-";
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** `5.0 MiB in 1.2s (4.1 MiB/s)` */
export function transferSummary(bytes: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (bytes * 1000) / elapsedMs : Number.NaN;
  return `${humanSize(bytes)} in ${formatElapsed(elapsedMs)}${Number.isFinite(rate) ? ` (${humanRate(rate)})` : ""}`;
}

// Display width, not string length: CJK names and emoji take two columns.
const width = (s: string) => Bun.stringWidth(s);

/** Cuts text to at most `max` columns, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (width(text) <= max) return text;
  if (max <= 0) return "";
  let out = "";
  for (const ch of text) {
    if (width(out + ch) > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

export type Align = "left" | "right";

/**
 * Columns padded to their widest cell, two spaces apart, no trailing spaces.
 * @example formatTable([["a.txt", "5.0 MiB"]], { header: ["NAME", "SIZE"], align: ["left", "right"] })
 */
export function formatTable(rows: string[][], opts: { header?: string[]; align?: Align[] } = {}): string {
  const all = opts.header ? [opts.header, ...rows] : rows;
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...all.map((r) => width(r[c] ?? ""))));
  return all
    .map((row) =>
      widths
        .map((w, c) => {
          const cell = row[c] ?? "";
          const fill = " ".repeat(w - width(cell));
          return opts.align?.[c] === "right" ? fill + cell : cell + fill;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `[████░░░░░░]` for a fraction in 0..1 (clamped). */
export function bar(fraction: number, cells: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(f * cells);
  return `[${"█".repeat(filled)}${"░".repeat(cells - filled)}]`;
}

/** Whole percent, rounded down so 100% means done: `  5%`, ` 52%`, `100%`. */
export const percent = (fraction: number) =>
  `${Math.floor(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * 100)}%`.padStart(4);

export interface ProgressState {
  label: string;
  done: number;
  /** Unknown for stdin uploads. */
  total?: number;
  /** Recent bytes per second. */
  rate: number;
  /** Terminal columns to fit in. */
  columns: number;
}

const MIN_BAR = 10;
const MAX_BAR = 30;

/**
 * One line of progress that fits in `columns - 1` (writing the last column makes some terminals wrap):
 * `a.txt  [███░░░]  52%  2.6 MiB / 5.0 MiB  1.3 MiB/s  ETA 0:02`. The label gives way first, then the bar.
 */
export function progressLine(p: ProgressState): string {
  const room = Math.max(20, p.columns - 1);
  if (p.total === undefined) {
    const tail = `  ${humanSize(p.done)}  ${humanRate(p.rate)}`;
    return truncate(p.label, room - tail.length) + tail;
  }
  const fraction = p.total > 0 ? p.done / p.total : 1;
  const eta = p.rate > 0 ? (p.total - p.done) / p.rate : Number.POSITIVE_INFINITY;
  const tail = `  ${percent(fraction)}  ${humanSize(p.done)} / ${humanSize(p.total)}  ${humanRate(p.rate)}  ETA ${formatDuration(eta)}`;
  const labelRoom = Math.max(8, room - tail.length - (MIN_BAR + 4));
  const label = truncate(p.label, labelRoom);
  const cells = Math.max(MIN_BAR, Math.min(MAX_BAR, room - width(label) - tail.length - 4));
  return `${label}  ${bar(fraction, cells)}${tail}`;
}

/**
 * Counters from /status as words: `{count: 12, bytes: 5242880}` → `12 (5.0 MiB)`;
 * `{files: 2, dirs: 1, bytes: 5242880}` → `2 files, 1 dirs (5.0 MiB)`. Tolerant of shapes it does not know.
 */
export function formatCounters(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (value === null || typeof value !== "object") return value === undefined ? "-" : String(value);
  const numbers = Object.entries(value as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === "number");
  const sizes = numbers.filter(([k]) => /bytes$/i.test(k)).map(([, v]) => humanSize(v));
  const counts = numbers.filter(([k]) => !/bytes$/i.test(k)).map(([k, v]) => (k === "count" ? String(v) : `${v} ${k}`));
  return `${counts.join(", ")}${sizes.length > 0 ? ` (${sizes.join(", ")})` : ""}`.trim() || "-";
}
