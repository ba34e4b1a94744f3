import { describe, expect, test } from "bun:test";
import {
  bar,
  formatCounters,
  formatDuration,
  formatElapsed,
  formatMtime,
  formatTable,
  formatUptime,
  humanRate,
  humanSize,
  percent,
  progressLine,
  transferSummary,
  truncate,
} from "./format.ts";

describe("humanSize", () => {
  test("bytes below 1 KiB are exact", () => {
    expect(humanSize(0)).toBe("0 B");
    expect(humanSize(1)).toBe("1 B");
    expect(humanSize(1023)).toBe("1023 B");
  });
  test("one decimal below 10, none above", () => {
    expect(humanSize(1024)).toBe("1.0 KiB");
    expect(humanSize(1536)).toBe("1.5 KiB");
    expect(humanSize(5 * 1024 * 1024)).toBe("5.0 MiB");
    expect(humanSize(5_000_000)).toBe("4.8 MiB");
    expect(humanSize(12.4 * 1024 ** 3)).toBe("12 GiB");
    expect(humanSize(381 * 1024 * 1024 + 500_000)).toBe("381 MiB");
  });
  test("rounding never shows 10.0 or 1024 of a unit", () => {
    expect(humanSize(9.97 * 1024)).toBe("10 KiB");
    expect(humanSize(1023.7 * 1024)).toBe("1.0 MiB");
  });
  test("largest unit is PiB", () => {
    expect(humanSize(3 * 1024 ** 6)).toBe("3072 PiB");
  });
  test("nonsense is a question mark", () => {
    expect(humanSize(-1)).toBe("?");
    expect(humanSize(Number.NaN)).toBe("?");
  });
  test("rates", () => {
    expect(humanRate(2.5 * 1024 * 1024)).toBe("2.5 MiB/s");
  });
});

describe("durations", () => {
  test("clock style ETA", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(5.4)).toBe("0:05");
    expect(formatDuration(754)).toBe("12:34");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("--:--");
    expect(formatDuration(-1)).toBe("--:--");
  });
  test("elapsed", () => {
    expect(formatElapsed(85.4)).toBe("85ms");
    expect(formatElapsed(1234)).toBe("1.2s");
    expect(formatElapsed(125_000)).toBe("2:05");
  });
  test("uptime shows the two largest units", () => {
    expect(formatUptime(12)).toBe("12s");
    expect(formatUptime(250)).toBe("4m 10s");
    expect(formatUptime(2 * 3600 + 5 * 60 + 7)).toBe("2h 05m");
    expect(formatUptime(3 * 86400 + 4 * 3600)).toBe("3d 04h");
  });
  test("mtime is local time to the minute", () => {
    expect(formatMtime(new Date(2024, 4, 1, 9, 7, 59).getTime())).toBe("2024-05-01 09:07");
    expect(formatMtime(Number.NaN)).toBe("-");
  });
  test("transfer summary", () => {
    expect(transferSummary(5 * 1024 * 1024, 2000)).toBe("5.0 MiB in 2.0s (2.5 MiB/s)");
    expect(transferSummary(10, 0)).toBe("10 B in 0ms");
  });
});

describe("formatTable", () => {
  test("pads columns, two spaces apart, right-aligns where asked, no trailing spaces", () => {
    const text = formatTable(
      [
        ["5.0 MiB", "a.txt"],
        ["-", "photos/"],
      ],
      { header: ["SIZE", "NAME"], align: ["right", "left"] },
    );
    expect(text.split("\n")).toEqual(["   SIZE  NAME", "5.0 MiB  a.txt", "      -  photos/"]);
  });
  test("uses display width, so wide characters stay aligned", () => {
    const lines = formatTable([["日本.txt", "1"], ["a", "2"]]).split("\n");
    expect(lines).toEqual(["日本.txt  1", "a         2"]);
  });
  test("ragged rows and empty tables", () => {
    expect(formatTable([["a", "b"], ["c"]])).toBe("a  b\nc");
    expect(formatTable([])).toBe("");
  });
});

describe("bars and progress", () => {
  test("bar fills in proportion and clamps", () => {
    expect(bar(0.5, 10)).toBe("[█████░░░░░]");
    expect(bar(2, 4)).toBe("[████]");
    expect(bar(Number.NaN, 3)).toBe("[░░░]");
  });
  test("percent rounds down so 100% means done", () => {
    expect(percent(0.05)).toBe("  5%");
    expect(percent(0.999)).toBe(" 99%");
    expect(percent(1)).toBe("100%");
  });
  test("truncate marks the cut", () => {
    expect(truncate("abcdef", 10)).toBe("abcdef");
    expect(truncate("abcdef", 4)).toBe("abc…");
  });
  test("progress line with a known total shows bar, percent, sizes, rate and ETA", () => {
    const line = progressLine({ label: "/docs/a.bin", done: 2.5 * 1024 * 1024, total: 5 * 1024 * 1024, rate: 1024 * 1024, columns: 100 });
    expect(line).toMatch(/^\/docs\/a\.bin {2}\[█+░+\] {2} 50% {2}2\.5 MiB \/ 5\.0 MiB {2}1\.0 MiB\/s {2}ETA 0:03$/);
    expect(Bun.stringWidth(line)).toBeLessThanOrEqual(99);
  });
  test("progress line fits a narrow terminal by shortening the label", () => {
    const line = progressLine({ label: `/${"x".repeat(80)}`, done: 1, total: 10, rate: 0, columns: 80 });
    expect(Bun.stringWidth(line)).toBeLessThanOrEqual(79);
    expect(line).toContain("…");
    expect(line).toContain("ETA --:--");
  });
  test("progress line without a total (stdin) shows bytes and rate", () => {
    expect(progressLine({ label: "/x", done: 2048, rate: 1024, columns: 80 })).toBe("/x  2.0 KiB  1.0 KiB/s");
  });
});

describe("formatCounters", () => {
  test("count and bytes", () => {
    expect(formatCounters({ count: 12, bytes: 5 * 1024 * 1024 })).toBe("12 (5.0 MiB)");
  });
  test("named counts, sizes in parentheses", () => {
    expect(formatCounters({ files: 2, dirs: 1, tombstones: 0, bytes: 1024 })).toBe("2 files, 1 dirs, 0 tombstones (1.0 KiB)");
  });
  test("unknown shapes degrade gracefully", () => {
    expect(formatCounters(7)).toBe("7");
    expect(formatCounters(undefined)).toBe("-");
    expect(formatCounters({})).toBe("-");
  });
});
