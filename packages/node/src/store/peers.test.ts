import { expect, test } from "bun:test";
import type { Member } from "../membership/types.ts";
import { openDatabase } from "./db.ts";
import { loadPeers, savePeer } from "./peers.ts";

test("remembered peers keep their weight and fullness, so a restart places chunks as before", () => {
  const db = openDatabase(":memory:");
  const base = { host: "10.0.0.2", gossipPort: 4000, httpPort: 3000, transferPort: 5000, state: "alive" as const, incarnation: 3, stateChangedAt: 0 };
  const peers: Member[] = [
    { ...base, id: "big", weight: 4000 },
    { ...base, id: "full", weight: 0.5, full: true },
    { ...base, id: "gateway", weight: 0 },
  ];
  for (const p of peers) savePeer(db, p);
  savePeer(db, { ...peers[1]!, full: undefined, incarnation: 4 });
  const loaded = new Map(loadPeers(db).map((m) => [m.id, m]));
  expect(loaded.get("big")).toMatchObject({ weight: 4000 });
  expect(loaded.get("big")).not.toHaveProperty("full");
  expect(loaded.get("full")).toMatchObject({ weight: 0.5, incarnation: 4 });
  expect(loaded.get("full")).not.toHaveProperty("full");
  expect(loaded.get("gateway")?.weight).toBe(0);
  savePeer(db, { ...peers[1]!, incarnation: 5 });
  expect(loadPeers(db).find((m) => m.id === "full")).toMatchObject({ full: true, incarnation: 5 });
});

test("a remembered newcomer keeps its founding set, so a restart does not take it for a joined member", () => {
  const db = openDatabase(":memory:");
  const base = { host: "10.0.0.2", gossipPort: 4000, httpPort: 3000, transferPort: 5000, state: "alive" as const, incarnation: 0, stateChangedAt: 0, weight: 1 };
  savePeer(db, { ...base, id: "newcomer", joining: "0123456789abcdef" });
  savePeer(db, { ...base, id: "member" });
  const loaded = new Map(loadPeers(db).map((m) => [m.id, m]));
  expect(loaded.get("newcomer")?.joining).toBe("0123456789abcdef");
  expect(loaded.get("member")).not.toHaveProperty("joining");
  savePeer(db, { ...base, id: "newcomer", incarnation: 1 });
  expect(loadPeers(db).find((m) => m.id === "newcomer")).not.toHaveProperty("joining");
});
