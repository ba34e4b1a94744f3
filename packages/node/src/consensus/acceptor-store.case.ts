// The conformance suite of AcceptorStore (acceptor-store.test.ts runs it on both implementations).
import { describe, expect, test } from "bun:test";
import type { Manifest } from "../metadata/manifest.ts";
import type { AcceptorStore } from "./acceptor-store.ts";

const row = (path: string, version: string): Manifest => ({
  path,
  kind: "dir",
  version,
  deleted: false,
  size: 0,
  sha256: null,
  chunkSize: 0,
  chunks: [],
  mtime: 1,
  origin: "n1",
  seq: 0,
});

export function runAcceptorStoreTests(name: string, make: () => { store: AcceptorStore; reopen?: () => AcceptorStore }): void {
  describe(`AcceptorStore conformance: ${name}`, () => {
    test("unknown paths have no state; a promise and an accepted value round-trip without aliasing", () => {
      const { store, reopen } = make();
      expect(store.get("a")).toBeUndefined();
      store.put("a", { promised: "b1" });
      expect(store.get("a")).toEqual({ promised: "b1" });
      const value = row("a", "v1");
      store.put("a", { promised: "b2", accepted: { ballot: "b2", row: value } });
      value.mtime = 99;
      expect(store.get("a")).toEqual({ promised: "b2", accepted: { ballot: "b2", row: row("a", "v1") } });
      store.get("a")!.accepted!.row.mtime = 7;
      expect(store.get("a")!.accepted!.row.mtime).toBe(1);
      expect(store.get("b")).toBeUndefined();
      if (reopen) expect(reopen().get("a")).toEqual({ promised: "b2", accepted: { ballot: "b2", row: row("a", "v1") } });
    });
  });
}
