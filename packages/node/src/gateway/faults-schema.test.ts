// The fault-injection route's body (POST /api/admin/faults, admins only, FAULT_INJECTION=true only): what the
// route's jsonBody check lets through, and what it refuses before anything is applied.
import { expect, test } from "bun:test";
import { faultsSchema } from "@orrery/api";

test("faults: a delay of 0 to 60,000 ms and up to 1,000 blocked peers; anything else is refused", () => {
  expect(faultsSchema.safeParse({ blockedPeers: ["n2"], gossipDelayMs: 1500 }).success).toBe(true);
  expect(faultsSchema.safeParse({ blockedPeers: [] }).success).toBe(true);
  for (const bad of [
    { blockedPeers: [], gossipDelayMs: -1 },
    { blockedPeers: [], gossipDelayMs: 60_001 },
    { blockedPeers: [], gossipDelayMs: 1.5 },
    { blockedPeers: [], gossipDelayMs: "100" },
    { blockedPeers: [], extra: true },
    { blockedPeers: Array.from({ length: 1001 }, (_, i) => `n${i}`) },
    { blockedPeers: ["x".repeat(65)] },
  ]) {
    expect(faultsSchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 80)).toBe(false);
  }
});
