import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import type { MemberState } from "../membership/types.ts";
import { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import { fileChange } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { logger } from "../log.ts";
import { ManifestReplicator } from "./manifest-replicator.ts";
import { Placement } from "./placement.ts";

/** Peers as real HTTP servers on loopback that record the manifest pushes they receive. */
const received = new Map<string, string[]>();
const servers: ReturnType<typeof Bun.serve>[] = [];
const ports = new Map<string, number>();
let h: Hash64;

beforeAll(async () => {
  h = await loadHash64();
  for (const id of ["b", "c", "d"]) {
    received.set(id, []);
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const body = (await req.json()) as { entries: Array<{ path: string }> };
        received.get(id)!.push(...body.entries.map((e) => e.path));
        return Response.json({ ok: true });
      },
    });
    servers.push(server);
    ports.set(id, server.port!);
  }
});
afterAll(() => {
  for (const s of servers) s.stop(true);
});

describe("ManifestReplicator.publish", () => {
  test("pushes to alive and suspect peers, not to dead ones, and reports who acknowledged", async () => {
    const member = (id: string, state: MemberState) => ({ ...testMember(id, state), httpPort: ports.get(id) ?? 1 });
    const placement = new Placement(3, h, 16);
    placement.update([member("a", "alive"), member("b", "alive"), member("c", "suspect"), member("d", "dead")]);
    const manifests = new MemoryManifestStore("a");
    const replicator = new ManifestReplicator(
      { selfId: "a", syncIntervalMs: 60_000, pushTimeoutMs: 2000, publishGraceMs: 1000 },
      { manifests, placement, log: logger("test") },
    );
    const committed = manifests.commitLocalBatch([fileChange("photos/cat.jpg")]);
    const acks = await replicator.publish(committed, 1);
    expect(acks.sort()).toEqual(["b", "c"]);
    expect(received.get("b")).toEqual(["photos/cat.jpg"]);
    expect(received.get("c")).toEqual(["photos/cat.jpg"]);
    expect(received.get("d")).toEqual([]);
  });
});
