// strace -c's summary table, and counts per chunk or file over all nodes.
import { expect, test } from "bun:test";
import { parseStraceSummary, summarizePass } from "./strace.ts";

// As strace 6.1 writes it (-c -f, -o file), errors column empty on some rows.
const SAMPLE = `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 74.49   11.189842        1899      5892           clock_nanosleep
  7.57    1.137764         262      4327       531 futex
  0.12    0.018244         868        21           fsync
  0.05    0.008000         400        20         2 fdatasync
  0.00    0.000291          17        17           pipe2
------ ----------- ----------- --------- --------- ----------------
100.00   15.021000                 10277       533 total
`;

test("parses every row but the total", () => {
  const counts = parseStraceSummary(SAMPLE);
  expect(counts).toEqual({
    clock_nanosleep: { calls: 5892, errors: 0 },
    futex: { calls: 4327, errors: 531 },
    fsync: { calls: 21, errors: 0 },
    fdatasync: { calls: 20, errors: 2 },
    pipe2: { calls: 17, errors: 0 },
  });
  expect(parseStraceSummary("strace: Process 1 attached\n")).toEqual({});
});

test("per unit over all nodes; the fsync family counted apart", () => {
  const a = parseStraceSummary(SAMPLE);
  const pass = summarizePass({ workload: "create", title: "t", unit: "file", units: 10 }, { n1: a, n2: { fsync: { calls: 9, errors: 0 }, write: { calls: 1, errors: 0 } } });
  expect(pass.fsyncs).toBe(21 + 20 + 9);
  expect(pass.fsyncsPerUnit).toBe(5);
  expect(pass.syscalls).toBe(10277 + 10);
  expect(pass.syscallsPerUnit).toBeCloseTo(1028.7, 5);
  expect(pass.perNode.n2).toMatchObject({ syscalls: 10, fsyncs: 9 });
  expect(pass.top[0]).toEqual({ name: "clock_nanosleep", calls: 5892, perUnit: 589.2 });
  expect(pass.top.find((t) => t.name === "fsync")?.calls).toBe(30);
  expect(summarizePass({ workload: "w", title: "t", unit: "chunk", units: 0 }, {}).fsyncsPerUnit).toBeNull();
});
