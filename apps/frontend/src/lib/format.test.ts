import { describe, expect, test } from "bun:test";
import { formatAgo, formatBytes, formatDuration, formatEta, formatMtime, formatPercent, formatRate, plural } from "./format.ts";

describe("formatBytes", () => {
  test("whole bytes below 1 KiB", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1)).toBe("1 B");
    expect(formatBytes(1023)).toBe("1023 B");
  });
  test("binary units with up to three significant digits", () => {
    expect(formatBytes(1024)).toBe("1 KiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(4 * 1024 * 1024)).toBe("4 MiB");
    expect(formatBytes(12.345 * 1024 ** 3)).toBe("12.3 GiB");
    expect(formatBytes(123.4 * 1024 ** 4)).toBe("123 TiB");
  });
  test("rounding up to 1024 carries into the next unit", () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe("1 MiB");
  });
  test("nonsense is a dash", () => {
    expect(formatBytes(-1)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });
});

test("formatRate", () => {
  expect(formatRate(2.5 * 1024 * 1024)).toBe("2.5 MiB/s");
  expect(formatRate(0)).toBe("—");
});

test("formatDuration", () => {
  expect(formatDuration(0)).toBe("0 s");
  expect(formatDuration(59.4)).toBe("59 s");
  expect(formatDuration(60)).toBe("1 min");
  expect(formatDuration(200)).toBe("3 min 20 s");
  expect(formatDuration(7500)).toBe("2 h 5 min");
  expect(formatDuration(90000)).toBe("1 d 1 h");
  expect(formatDuration(-1)).toBe("—");
});

test("formatEta", () => {
  expect(formatEta(1000, 100)).toBe("10 s");
  expect(formatEta(0, 0)).toBe("0 s");
  expect(formatEta(1000, 0)).toBe("—");
});

test("formatAgo", () => {
  const now = 1_700_000_000_000;
  expect(formatAgo(now - 3000, now)).toBe("just now");
  expect(formatAgo(now + 5000, now)).toBe("just now");
  expect(formatAgo(now - 30_000, now)).toBe("30 s ago");
  expect(formatAgo(now - 5 * 60_000, now)).toBe("5 min ago");
  expect(formatAgo(now - 3 * 3600_000, now)).toBe("3 h ago");
  expect(formatAgo(now - 2 * 86400_000, now)).toBe("2 d ago");
});

test("formatMtime: today and yesterday by name, date and time this year, date otherwise", () => {
  const now = new Date(2024, 5, 15, 18, 0).getTime();
  expect(formatMtime(new Date(2024, 5, 15, 9, 7).getTime(), now)).toBe("today 09:07");
  expect(formatMtime(new Date(2024, 5, 14, 23, 59).getTime(), now)).toBe("yesterday 23:59");
  expect(formatMtime(new Date(2024, 0, 1, 0, 0).getTime(), new Date(2024, 0, 2, 8, 0).getTime())).toBe("yesterday 00:00");
  expect(formatMtime(new Date(2023, 11, 31, 22, 0).getTime(), new Date(2024, 0, 1, 8, 0).getTime())).toBe("yesterday 22:00");
  expect(formatMtime(new Date(2024, 2, 3, 14, 5).getTime(), now)).toBe("3 Mar 14:05");
  expect(formatMtime(new Date(2021, 11, 24, 1, 2).getTime(), now)).toBe("24 Dec 2021");
  expect(formatMtime(0, now)).toBe("—");
});

test("formatPercent clamps", () => {
  expect(formatPercent(0.456)).toBe("46%");
  expect(formatPercent(1.2)).toBe("100%");
  expect(formatPercent(-1)).toBe("0%");
});

test("plural", () => {
  expect(plural(1, "file")).toBe("1 file");
  expect(plural(3, "file")).toBe("3 files");
  expect(plural(2, "copy", "copies")).toBe("2 copies");
  expect(plural(1200, "chunk")).toBe("1,200 chunks");
});
