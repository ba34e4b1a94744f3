// Human-readable sizes, rates, durations and times for the UI. Pure, so the wording is tested once.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 1536 → "1.5 KiB"; whole bytes below 1 KiB; three significant digits above. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // 1023.9 KiB would print as "1024 KiB": carry it to the next unit instead.
  if (Math.round(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${trimZeros(value.toFixed(digits))} ${UNITS[unit]}`;
}

const trimZeros = (s: string) => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);

/** Bytes per second → "12.5 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return "—";
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Seconds → "45 s", "3 min 20 s", "2 h 5 min"; for ETAs and uptimes. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const rest = s % 60;
    return rest ? `${m} min ${rest} s` : `${m} min`;
  }
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** Time left for `remaining` bytes at `rate` bytes/s, or "—" when the rate is unknown. */
export function formatEta(remaining: number, rate: number): string {
  if (remaining <= 0) return "0 s";
  if (!Number.isFinite(rate) || rate <= 0) return "—";
  return formatDuration(remaining / rate);
}

/** "just now", "5 min ago", "3 h ago", "2 d ago"; future times (clock skew) read as "just now". */
export function formatAgo(at: number, now: number): string {
  const s = Math.floor((now - at) / 1000);
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * A file's modification time: "today 14:05", "yesterday 14:05", "12 Mar 14:05" this year, "12 Mar 2023"
 * otherwise (a bare time read as a date nobody could place). Local time; `now` is a parameter so the
 * cut-offs are testable.
 */
export function formatMtime(ms: number, now: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return "—";
  const d = new Date(ms);
  const today = new Date(now);
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const month = d.toLocaleString("en", { month: "short" });
  if (d.toDateString() === today.toDateString()) return `today ${time}`;
  if (d.toDateString() === yesterday.toDateString()) return `yesterday ${time}`;
  if (d.getFullYear() === today.getFullYear()) return `${d.getDate()} ${month} ${time}`;
  return `${d.getDate()} ${month} ${d.getFullYear()}`;
}

/** Full timestamp for tooltips: "2024-03-12 14:05:09". */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Clock time for the event timeline: "14:05:09". */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 0.4567 → "46%"; clamps to 0–100. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return "—";
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** "1 file", "3 files". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}
