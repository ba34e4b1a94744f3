// The long gossip-under-loss run (issue 10, case 6): real nodes in network namespaces, a share of every gossip
// datagram dropped by nftables, counting how often a healthy node was suspected or declared dead. The target
// is 0 false dead at 30 % loss for 10 minutes among 5 nodes; the short CI version is
// test/faults/gossip-loss.test.ts. Needs root, `ip netns` and `nft`.
//
//   pnpm gossip-loss                                   # 5 nodes, 30 % loss, 10 minutes
//   pnpm gossip-loss --nodes 3 --losses 0,10,30 --minutes 2
//   pnpm gossip-loss --pause-s 10                      # then stop one node 10 s: when is it declared dead?
//
// Prints one line per loss level and exits 1 if any healthy node was declared dead.
import { parseArgs } from "node:util";
import { LossyLan, lossyLanUnavailable } from "../test/harness/lossy-lan.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "5" },
    losses: { type: "string", default: "30" },
    minutes: { type: "string", default: "10" },
    "interval-ms": { type: "string", default: "1000" },
    "pause-s": { type: "string", default: "0" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("usage: pnpm gossip-loss [--nodes 5] [--losses 30 | 0,10,30] [--minutes 10] [--interval-ms 1000] [--pause-s 0]");
  process.exit(0);
}
const nodes = Number(values.nodes);
const losses = values.losses!.split(",").map(Number);
const minutes = Number(values.minutes);
const pauseS = Number(values["pause-s"]);
if (!Number.isInteger(nodes) || nodes < 2 || losses.some((l) => !(l >= 0 && l <= 100)) || !(minutes > 0) || !(pauseS >= 0)) {
  console.error("bad arguments; see --help");
  process.exit(2);
}
const why = lossyLanUnavailable();
if (why) {
  console.error(`gossip-loss ${why}`);
  process.exit(2);
}

const lan = new LossyLan({ nodes, gossipIntervalMs: Number(values["interval-ms"]) });
const stop = async () => {
  await lan.close();
  process.exit(130);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

let falseDead = 0;
try {
  await lan.start();
  console.log(`${nodes} nodes up (GOSSIP_INTERVAL_MS=${values["interval-ms"]}); ${minutes} min per loss level`);
  for (const loss of losses) {
    const from = Date.now();
    lan.setLoss(loss);
    await Bun.sleep(minutes * 60_000);
    const counts = lan.datagramCounts();
    lan.setLoss(0);
    const during = lan.memberChanges().filter((c) => c.at >= from);
    const dead = during.filter((c) => c.to === "dead").length;
    const suspect = during.filter((c) => c.to === "suspect").length;
    falseDead += dead;
    const measured = ((100 * counts.dropped) / Math.max(1, counts.sent)).toFixed(1);
    console.log(
      `loss ${loss} % (measured ${measured} % of ${counts.sent} datagrams), ${minutes} min, ${nodes} nodes: ` +
        `${dead} false dead, ${suspect} suspect`,
    );
    // Let any suspicion still open settle before the next level.
    await Bun.sleep(10_000);
  }
  const probes = await lan.metricTotals("orrery_gossip_probes_total", "result");
  console.log(`probes by outcome, all nodes: ${JSON.stringify(probes)}`);

  if (pauseS > 0) {
    const victim = lan.nodes[lan.nodes.length - 1]!;
    const from = Date.now();
    lan.pause(victim);
    await Bun.sleep(pauseS * 1000);
    lan.resume(victim);
    await Bun.sleep(15_000);
    const changes = lan.memberChanges().filter((c) => c.at >= from && c.member === victim.id);
    const at = (state: string) => {
      const c = changes.find((x) => x.to === state);
      return c ? `${((c.at - from) / 1000).toFixed(1)} s` : "never";
    };
    const back = (await lan.members(lan.nodes[0]!)).find((m) => m.id === victim.id)?.state;
    console.log(`a node stopped ${pauseS} s (SIGSTOP): first suspected after ${at("suspect")}, first declared dead after ${at("dead")}; ${back} 15 s after SIGCONT`);
  }
} finally {
  await lan.close();
}
process.exit(falseDead > 0 ? 1 : 0);
