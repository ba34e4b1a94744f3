import { expect, test } from "bun:test";
import type { Me } from "./api.ts";
import { accountUsage } from "./usage.ts";

const alice = (over: Partial<Extract<Me, { user: string }>>): Me => ({
  user: "alice",
  role: "user",
  home: "/home/alice",
  quotaBytes: 5 * 1024 * 1024,
  createdAt: 0,
  via: "session",
  readOnly: false,
  auth: "required",
  name: "alice",
  usedBytes: 0,
  ...over,
});

test("a quota: what the home takes of it, and what is left", () => {
  expect(accountUsage(alice({ usedBytes: 1024 * 1024 }))).toEqual({
    value: "1 MiB of 5 MiB",
    detail: "20% of your quota (the files in /home/alice); 4 MiB left",
    fraction: 0.2,
    full: false,
  });
});

test("a quota used up says uploads are refused", () => {
  const u = accountUsage(alice({ usedBytes: 5 * 1024 * 1024 }));
  expect(u).toMatchObject({ value: "5 MiB of 5 MiB", fraction: 1, full: true });
  expect(u?.detail).toContain("uploads are refused");
  expect(accountUsage(alice({ quotaBytes: 0, usedBytes: 0 }))).toMatchObject({ fraction: 1, full: true });
});

test("no quota: the bytes alone, saying so", () => {
  expect(accountUsage(alice({ quotaBytes: null, usedBytes: 2048 }))).toEqual({
    value: "2 KiB",
    detail: "the files in /home/alice, each counted once; no quota",
    full: false,
  });
});

test("nothing to say without a login or a count", () => {
  expect(accountUsage(undefined)).toBeUndefined();
  expect(accountUsage({ user: null, home: "/", role: null, auth: "off", note: "open" })).toBeUndefined();
  expect(accountUsage(alice({ usedBytes: undefined }))).toBeUndefined();
});
