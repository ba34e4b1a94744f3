// `orrery sim`: its command line, the port plan and how it re-runs its own executable.
import { describe, expect, test } from "bun:test";
import { nodeEnv, parseSimArgs, planLocalCluster, selfCommand, SimUsageError } from "./plan.ts";

describe("orrery sim plan", () => {
  test("defaults and flags", () => {
    expect(parseSimArgs([])).toEqual({ nodes: 3, basePort: 3000, dataDir: "./.orrery-sim", help: false });
    expect(parseSimArgs(["--nodes", "5", "--base-port=7000", "--data-dir", "/tmp/x"])).toEqual({
      nodes: 5,
      basePort: 7000,
      dataDir: "/tmp/x",
      help: false,
    });
    expect(parseSimArgs(["-n", "2", "-h"])).toMatchObject({ nodes: 2, help: true });
  });

  test("bad flags are usage errors naming the flag", () => {
    for (const argv of [["--nodes", "0"], ["--nodes", "101"], ["--nodes", "2.5"], ["--base-port", "65000"], ["--what"], ["extra"]]) {
      expect(() => parseSimArgs(argv)).toThrow(SimUsageError);
    }
    expect(() => parseSimArgs(["--nodes", "x"])).toThrow("--nodes");
    // The last transfer port must exist: base + 2000 + N - 1 <= 65535.
    expect(parseSimArgs(["--nodes", "3", "--base-port", "63533"]).basePort).toBe(63533);
    expect(() => parseSimArgs(["--nodes", "3", "--base-port", "63534"])).toThrow("--base-port");
  });

  test("consecutive ports, one data dir and log per node, everyone seeded with the first", () => {
    const plan = planLocalCluster({ nodes: 3, basePort: 3000, dataDir: "/d" });
    expect(plan).toEqual([
      { id: "n1", httpPort: 3000, gossipPort: 4000, transferPort: 5000, dataDir: "/d/n1", logFile: "/d/n1.log", seeds: [] },
      { id: "n2", httpPort: 3001, gossipPort: 4001, transferPort: 5001, dataDir: "/d/n2", logFile: "/d/n2.log", seeds: ["127.0.0.1:4000"] },
      { id: "n3", httpPort: 3002, gossipPort: 4002, transferPort: 5002, dataDir: "/d/n3", logFile: "/d/n3.log", seeds: ["127.0.0.1:4000"] },
    ]);
    const ports = planLocalCluster({ nodes: 100, basePort: 3000, dataDir: "/d" }).flatMap((n) => [n.httpPort, n.gossipPort, n.transferPort]);
    expect(new Set(ports).size).toBe(300);
  });

  test("re-runs itself: the compiled executable alone, or bun with the script", () => {
    expect(selfCommand("/usr/local/bin/orrery", "/$bunfs/root/orrery")).toEqual(["/usr/local/bin/orrery"]);
    expect(selfCommand("C:\\orrery.exe", "B:/~BUN/root/orrery.exe")).toEqual(["C:\\orrery.exe"]);
    expect(selfCommand("/usr/bin/bun", "/src/packages/node/src/main.ts")).toEqual(["/usr/bin/bun", "/src/packages/node/src/main.ts"]);
  });

  test("each node's environment: inherited settings, its own ports, loopback only", () => {
    const [, n2] = planLocalCluster({ nodes: 2, basePort: 3000, dataDir: "/d" });
    const env = nodeEnv(n2!, { REPLICATION_FACTOR: "2", ADVERTISE_ADDRESS: "10.0.0.9", HTTP_PORT: "9999", SEEDS: "x:1", GONE: undefined });
    expect(env).toEqual({
      REPLICATION_FACTOR: "2",
      NODE_ID: "n2",
      DATA_DIR: "/d/n2",
      BIND_ADDRESS: "127.0.0.1",
      HTTP_PORT: "3001",
      GOSSIP_PORT: "4001",
      TRANSFER_PORT: "5001",
      SEEDS: "127.0.0.1:4000",
    });
  });
});
