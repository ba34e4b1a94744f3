// Fault test: repeated random SIGKILL/restart of nodes during a continuous stream of quorum uploads.
// At the end every acknowledged upload must read back byte-identical (for an overwritten path: the
// acknowledged write with the highest version). Acknowledged writes lost must be 0.
//
// CHAOS_SECONDS (default 45) sets the length of the loop; CHAOS_SEED replays the kill schedule (which
// node, when, for how long) and the writer's choices of sizes, paths and nodes (its timing, and so
// which writes fail, depends on the machine).
import { afterAll, describe, expect, test } from "bun:test";
import { mulberry32 } from "../../src/util/seeded-random.ts";
import { randomBytes, sha256, TestCluster, type TestNode, waitFor } from "../harness/cluster.ts";
import { runningNodes, tryPut, tryRead } from "./util.ts";

let cluster: TestCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

interface Attempt {
  n: number;
  path: string;
  sha: string;
  size: number;
  via: string;
  at: number;
  status: number;
  acked: boolean;
  version?: string;
  error?: string;
}

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 45);
const SEED = process.env.CHAOS_SEED !== undefined ? Number(process.env.CHAOS_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;

describe("chaos", () => {
  test(
    "random SIGKILL/restart during a stream of quorum uploads: every acknowledged upload reads back byte-identical",
    async () => {
      console.log(`chaos: seed ${SEED} (replay with CHAOS_SEED=${SEED}), ${SECONDS} s`);
      cluster = await TestCluster.start(4, { replicationFactor: 3, chunkSizeMb: 0.25 });
      const c = cluster;
      const killRng = mulberry32(SEED);
      const writeRng = mulberry32((SEED ^ 0x9e3779b9) >>> 0);
      const started = Date.now();
      const endAt = started + SECONDS * 1000;
      const t = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;

      const attempts: Attempt[] = [];
      const events: string[] = [];
      let kills = 0;
      let slowRejoins = 0;

      const chaos = async () => {
        while (true) {
          // Draw the whole step first, so the schedule depends on the seed alone.
          const upMs = 2000 + killRng() * 3000;
          const victim = c.nodes[Math.floor(killRng() * c.nodes.length)]!;
          const downMs = 1000 + killRng() * 3000;
          if (Date.now() + upMs >= endAt) break;
          await Bun.sleep(upMs);
          await victim.kill();
          kills++;
          events.push(`${t()} kill ${victim.id}`);
          await Bun.sleep(downMs);
          await c.restart(victim);
          events.push(`${t()} restarted ${victim.id}`);
          // Never more than one node down: wait until everyone sees it alive again before the next kill.
          await c.waitForMembers(4, 30_000).catch((err) => {
            slowRejoins++;
            events.push(`${t()} ${victim.id} not seen alive by all within 30 s: ${err}`);
          });
        }
      };

      const writer = async () => {
        const paths: string[] = [];
        for (let n = 0; Date.now() < endAt; n++) {
          const overwrite = paths.length > 0 && writeRng() < 0.2;
          const path = overwrite ? paths[Math.floor(writeRng() * paths.length)]! : `chaos/w${n}.bin`;
          const size = 1024 + Math.floor(writeRng() * (600 * 1024 - 1024 + 1));
          const pick = writeRng();
          const up = runningNodes(c);
          const via = (up.length > 0 ? up : c.nodes)[Math.floor(pick * (up.length > 0 ? up.length : c.nodes.length))]!;
          if (!overwrite) paths.push(path);
          const data = randomBytes(size);
          const sha = sha256(data);
          const at = Date.now();
          const r = await tryPut(via.url, path, data, 30_000);
          const acked = r.status === 201;
          if (acked) {
            expect(r.body.sha256).toBe(sha);
            expect(r.body.size).toBe(size);
            expect(typeof r.body.version).toBe("string");
          }
          attempts.push({
            n,
            path,
            sha,
            size,
            via: via.id,
            at,
            status: r.status,
            acked,
            version: acked ? r.body.version : undefined,
            error: acked ? undefined : (r.error ?? JSON.stringify(r.body)).slice(0, 200),
          });
        }
      };

      await Promise.all([chaos(), writer()]);
      const loopMs = Date.now() - started;

      // Everything back up, and all four alive everywhere.
      for (const n of c.nodes) if (!n.running) await c.restart(n);
      await c.waitForMembers(4, 60_000);

      // Expected content per path: the acknowledged write with the highest version. A failed attempt made
      // after it may also have taken effect (its manifest can be committed before the 503, or the
      // coordinator died after committing); it then must carry a higher version.
      const byPath = new Map<string, Attempt[]>();
      for (const a of attempts) byPath.set(a.path, [...(byPath.get(a.path) ?? []), a]);
      interface Check {
        path: string;
        expected: Attempt;
        laterFailed: Attempt[];
        nodes: [TestNode, TestNode];
        result?: string;
        ok: boolean;
        superseded: boolean;
      }
      const checks: Check[] = [];
      const orderViolations: string[] = [];
      for (const [path, list] of byPath) {
        const acked = list.filter((a) => a.acked);
        if (acked.length === 0) continue;
        const expected = acked.reduce((best, a) => (a.version! > best.version! ? a : best));
        // The writer is sequential: the highest acknowledged version must also be the last acknowledged attempt.
        if (expected !== acked[acked.length - 1]) orderViolations.push(path);
        const first = c.nodes[Math.floor(writeRng() * 4)]!;
        const others = c.nodes.filter((x) => x !== first);
        const second = others[Math.floor(writeRng() * others.length)]!;
        checks.push({
          path,
          expected,
          laterFailed: list.filter((a) => !a.acked && a.n > expected.n),
          nodes: [first, second],
          ok: false,
          superseded: false,
        });
      }

      const verify = async (ch: Check) => {
        const notes: string[] = [];
        let ok = true;
        let superseded = false;
        for (const node of ch.nodes) {
          const r = await tryRead(node.url, ch.path);
          if (r.status === 200 && r.sha === ch.expected.sha && r.version === ch.expected.version) continue;
          const later = ch.laterFailed.find((a) => a.sha === r.sha);
          if (r.status === 200 && later && r.version !== undefined && r.version > ch.expected.version!) {
            superseded = true;
            continue;
          }
          ok = false;
          notes.push(`${node.id}: ${r.status}${r.version ? ` v${r.version}` : ""}${r.sha ? ` sha ${r.sha.slice(0, 12)}` : ""}${r.error ? ` ${r.error}` : ""}`);
        }
        ch.ok = ok;
        ch.superseded = superseded;
        ch.result = notes.join(", ");
      };

      // Reads, retried for a generous while (anti-entropy and the replication queue catch up after restarts).
      const verifyStarted = Date.now();
      let pending = checks;
      let rounds = 0;
      let notFirstTime: string[] = [];
      await waitFor(
        async () => {
          for (const ch of pending) await verify(ch);
          pending = pending.filter((ch) => !ch.ok);
          if (++rounds === 1) notFirstTime = pending.map((ch) => `${ch.path} (${ch.result})`);
          return pending.length === 0;
        },
        45_000,
        "every acknowledged upload to read back",
        1000,
      ).catch(() => undefined);
      const lost = checks.filter((ch) => !ch.ok);

      const ackedCount = attempts.filter((a) => a.acked).length;
      const failed = attempts.filter((a) => !a.acked);
      const statuses = new Map<string, number>();
      for (const a of failed) statuses.set(String(a.status), (statuses.get(String(a.status)) ?? 0) + 1);
      console.log(
        `chaos: ${attempts.length} attempts in ${(loopMs / 1000).toFixed(1)} s, ${checks.length} acknowledged paths, ` +
          `${attempts.filter((a) => a.acked).length - new Set(attempts.filter((a) => a.acked).map((a) => a.path)).size} acknowledged overwrites, ` +
          `failures by status ${JSON.stringify(Object.fromEntries(statuses))} (0 = connection error), ` +
          `${checks.filter((ch) => ch.superseded).length} path(s) hold a later unacknowledged write, ` +
          `${slowRejoins} slow rejoin(s), verified in ${Date.now() - verifyStarted} ms ` +
          `(${rounds} read round(s); ${notFirstTime.length} path(s) not right in the first)`,
      );
      if (notFirstTime.length > 0) console.log(`chaos: not right in the first read round: ${notFirstTime.slice(0, 10).join("; ")}`);
      console.log(`chaos: seed ${SEED}, ${ackedCount} acknowledged writes, ${failed.length} failed attempts, ${kills} kills, lost: ${lost.length}`);

      if (orderViolations.length > 0) console.log(`chaos: a later acknowledged write got a lower version on ${orderViolations.join(", ")}`);
      console.log(`chaos: schedule: ${events.join("; ")}`);
      if (lost.length > 0 || slowRejoins > 0) {
        console.log(`chaos: data and logs in ${c.root} (kept with KEEP_TEST_DATA=1)`);
      }
      for (const ch of lost.slice(0, 20)) {
        const all = await Promise.all(c.nodes.map(async (n) => `${n.id}=${JSON.stringify(await tryRead(n.url, ch.path))}`));
        const stat = await fetch(`${ch.nodes[0].url}/api/stat/${ch.path}`).then((r) => r.text()).catch((e) => String(e));
        console.log(
          `chaos: LOST ${ch.path}: expected #${ch.expected.n} sha ${ch.expected.sha.slice(0, 12)} v${ch.expected.version} ` +
            `(acked via ${ch.expected.via} at +${ch.expected.at - started} ms); read ${ch.result}; all nodes: ${all.join(" ")}; ` +
            `attempts: ${JSON.stringify(byPath.get(ch.path)!.map((a) => ({ n: a.n, via: a.via, at: a.at - started, status: a.status, v: a.version, sha: a.sha.slice(0, 12) })))}; ` +
            `stat: ${stat.slice(0, 1500)}`,
        );
      }

      expect(ackedCount).toBeGreaterThan(10);
      expect(kills).toBeGreaterThan(0);
      expect(lost.length).toBe(0);
      expect(orderViolations).toEqual([]);
    },
    300_000,
  );
});
