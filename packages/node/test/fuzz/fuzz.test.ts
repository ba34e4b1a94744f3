// The short hostile-input campaign (`pnpm fuzz --quick`) as part of the suite: 50,000 random and
// mutated datagrams, frames and HTTP requests against a live 3-node cluster, then the campaign's checks
// as assertions. A failure prints the report, with the seed that replays the inputs.
import { expect, test } from "bun:test";
import { runCampaign } from "../../fuzz/campaign.ts";
import { QUICK } from "../../fuzz/options.ts";
import { renderReport } from "../../fuzz/report.ts";
import { newSeed } from "../../fuzz/rng.ts";

test(`${QUICK.inputs} hostile inputs leave every node up, membership and files as they were, RSS flat`, async () => {
  const seed = Number(process.env.FUZZ_SEED ?? newSeed());
  const result = await runCampaign({ seed, ...QUICK });
  const report = renderReport(result);
  if (!result.ok) console.error(report);
  expect(result.sent).toBeGreaterThanOrEqual(QUICK.inputs);
  // Every family reached the nodes, and the nodes counted what they refused.
  for (const family of ["udp.sealed-malformed", "udp.tampered", "frame.rpc-invalid", "frame.put-mismatch", "tcp.hello-mutated", "http.json", "http.csrf"]) {
    expect({ family, sent: (result.byFamily[family] ?? 0) > 0 }).toEqual({ family, sent: true });
  }
  for (const [id, n] of Object.entries(result.nodes)) {
    expect({ id, malformed: (n.counters.orrery_gossip_datagrams_rejected_total?.malformed ?? 0) > 0 }).toEqual({ id, malformed: true });
    expect({ id, handshakes: Object.keys(n.counters.orrery_peer_handshakes_failed_total ?? {}).length > 0 }).toEqual({ id, handshakes: true });
  }
  expect(result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail} (seed ${seed})`)).toEqual([]);
}, 180_000);
