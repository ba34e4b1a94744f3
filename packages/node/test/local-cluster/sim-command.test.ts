// `orrery sim --nodes 3` as a user runs it: three real node processes that form one cluster, and a
// SIGINT to the command (what Ctrl-C sends) stops every one of them.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../harness/cluster.ts";
import { claimPorts, rangeHigh, rangeLow } from "../harness/ports.ts";

const PKG = join(import.meta.dir, "..", "..");
const root = mkdtempSync(join(tmpdir(), "orrery-sim-cmd-"));

/** A base port with base..base+n-1, +1000 and +2000 all free, claimed for this process. */
async function freeBase(n: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = rangeLow + Math.floor(Math.random() * (rangeHigh - rangeLow - 2000 - n));
    const ports = Array.from({ length: n }, (_, i) => [base + i, base + 1000 + i, base + 2000 + i]).flat();
    if (await claimPorts(ports)) return base;
  }
  throw new Error("no free port range");
}

let proc: ReturnType<typeof Bun.spawn> | undefined;
afterAll(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  rmSync(root, { recursive: true, force: true });
});

describe("orrery sim", () => {
  test("starts 3 nodes that see each other alive, prints their URLs, and stops them all on SIGINT", async () => {
    const base = await freeBase(3);
    const dataDir = join(root, "sim");
    proc = Bun.spawn([process.execPath, "src/main.ts", "sim", "--nodes", "3", "--base-port", String(base), "--data-dir", dataDir], {
      cwd: PKG,
      env: { ...process.env, GOSSIP_INTERVAL_MS: "200", SEEDS: "", ADVERTISE_ADDRESS: "" },
      stdout: "pipe",
      stderr: "pipe",
    });
    let out = "";
    const reader = (async () => {
      for await (const chunk of proc!.stdout as ReadableStream<Uint8Array>) out += new TextDecoder().decode(chunk);
    })();
    await waitFor(() => out.includes("All 3 node(s) are up"), 30_000, `the sim to report its nodes (stdout so far: ${out})`);
    for (let i = 0; i < 3; i++) expect(out).toContain(`http://127.0.0.1:${base + i}`);

    const alive = async (port: number) =>
      ((await (await fetch(`http://127.0.0.1:${port}/api/cluster`)).json()) as { members: { id: string; state: string }[] }).members
        .filter((m) => m.state === "alive")
        .map((m) => m.id)
        .sort()
        .join();
    await waitFor(async () => (await Promise.all([0, 1, 2].map((i) => alive(base + i)))).every((ids) => ids === "n1,n2,n3"), 20_000, "3 alive members on every node");
    const status = (await (await fetch(`http://127.0.0.1:${base + 1}/status`)).json()) as { addresses: { gossip: number; transfer: number } };
    expect(status.addresses).toMatchObject({ gossip: base + 1001, transfer: base + 2001 });

    // Only the sim process gets the signal (a terminal would signal the whole group): it must forward it.
    proc.kill("SIGINT");
    const code = await Promise.race([proc.exited, Bun.sleep(20_000).then(() => "timeout")]);
    expect(code).toBe(0);
    await reader;
    expect(out).toContain("received SIGINT: stopping 3 node(s)");
    for (let i = 0; i < 3; i++) {
      const down = await fetch(`http://127.0.0.1:${base + i}/status`, { signal: AbortSignal.timeout(1000) }).then(
        () => false,
        () => true,
      );
      expect(down).toBe(true);
    }
  });
});
