// How `orrery config set chunk-size` reads a value, and how `config get` shows the chunk size in force.
import { expect, test } from "bun:test";
import { UsageError } from "../errors.ts";
import { formatChunkSize, parseChunkSizeMiB } from "./config.ts";

test("chunk-size takes whole MiB, bare or with the unit, within 1..64", () => {
  for (const [raw, mib] of [["8", 8], ["8MiB", 8], ["8 mib", 8], ["1", 1], ["64MiB", 64], [" 16 ", 16]] as const) expect(parseChunkSizeMiB(raw)).toBe(mib);
  for (const raw of ["0", "65", "1.5", "-1", "8MB", "8M", "8KiB", "8GiB", "", "mib", "0x10", "1e1", "99999999"]) {
    expect(() => parseChunkSizeMiB(raw)).toThrow(UsageError);
  }
  expect(() => parseChunkSizeMiB("65")).toThrow("chunk-size must be a whole number of MiB from 1 to 64, e.g. 8 or 8MiB; got '65'");
});

test("the chunk size in force is shown in MiB, or in bytes when a node's CHUNK_SIZE_MB is a fraction", () => {
  expect(formatChunkSize(8 * 1024 * 1024)).toBe("8 MiB");
  expect(formatChunkSize(262_144)).toBe("262144 bytes");
});
