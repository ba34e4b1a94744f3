import { expect, test } from "bun:test";
import { decideSurplus } from "./surplus-decision.ts";

const base = { owners: ["a", "b", "c"], unreachable: new Set<string>(), surplusSince: 1000, graceMs: 500 };

test("a surplus copy is deleted only when every owner confirmed and the grace period passed", () => {
  const all = new Set(["a", "b", "c"]);
  expect(decideSurplus({ ...base, confirmed: all, now: 1499 })).toEqual({ kind: "keep" });
  expect(decideSurplus({ ...base, confirmed: all, now: 1500 })).toEqual({ kind: "delete" });
  expect(decideSurplus({ ...base, confirmed: new Set(["a", "b"]), now: 5000 })).toEqual({ kind: "feed", targets: ["c"] });
});

test("an unreachable owner blocks deletion and is not fed", () => {
  const r = decideSurplus({ ...base, confirmed: new Set(["a", "b"]), unreachable: new Set(["c"]), now: 5000 });
  expect(r).toEqual({ kind: "keep" });
});

test("within the grace period a lacking owner is left to the responsible owner", () => {
  expect(decideSurplus({ ...base, confirmed: new Set(["a"]), now: 1200 })).toEqual({ kind: "keep" });
  expect(decideSurplus({ ...base, owners: [], confirmed: new Set(), now: 9999 })).toEqual({ kind: "keep" });
});
