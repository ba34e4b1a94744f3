import { expect, test } from "bun:test";
import type { ClusterMember } from "../api.ts";
import { statusText } from "./status.ts";

test("the members table says which member is a storage-less gateway and which one's store is full", () => {
  const member = (id: string, extra: Partial<ClusterMember> = {}): ClusterMember => ({ id, host: "127.0.0.1", httpPort: 3000, state: "alive", incarnation: 1, ...extra });
  const text = statusText(
    { nodeId: "n1", replicationFactor: 3 },
    {
      self: "n1",
      replicationFactor: 3,
      members: [member("n1", { role: "storage" }), member("n2", { role: "storage", full: true }), member("gw", { role: "gateway" }), member("n3", { state: "dead", full: true })],
    },
  );
  const row = (id: string) => text.split("\n").find((l) => l.startsWith(`${id} `))!;
  expect(row("n1")).toContain(" alive ");
  expect(row("n1")).not.toMatch(/full|gateway/);
  expect(row("n2")).toContain("alive, full");
  expect(row("gw")).toContain("alive, gateway");
  expect(row("n3")).toContain("dead, full");
});
