// Real Membership instances on 127.0.0.1 UDP with a 100 ms probe interval: join, failure and rejoin,
// graceful leave, partitions through the block list, hostile datagrams, and a gossip port already in use.
import { afterEach, describe, expect, test } from "bun:test";
import dgram from "node:dgram";
import type { Logger } from "../log.ts";
import { Membership, type MembershipInit } from "./membership.ts";
import { decodeMessage, encodeMessage } from "./messages.ts";
import type { MemberChange, MemberState } from "./types.ts";

const HOST = "127.0.0.1";
const running: Membership[] = [];

interface Captured extends Logger {
  warns: { msg: string; ctx?: Record<string, unknown> }[];
  errors: { msg: string; ctx?: Record<string, unknown> }[];
}
function capturingLog(): Captured {
  const warns: Captured["warns"] = [];
  const errors: Captured["errors"] = [];
  return {
    warns,
    errors,
    debug: () => {},
    info: () => {},
    warn: (msg, ctx) => warns.push({ msg, ctx }),
    error: (msg, ctx) => errors.push({ msg, ctx }),
  };
}

function init(id: string, gossipPort: number, seeds: number[]): MembershipInit {
  return {
    self: { id, host: HOST, gossipPort, httpPort: 3000, transferPort: 5000, weight: 1 },
    bindHost: HOST,
    seeds: seeds.map((p) => `${HOST}:${p}`),
    probeIntervalMs: 100,
  };
}

/** Gossip ports are announced, so they cannot be ephemeral: try random high ports until one binds. */
async function startNode(id: string, seeds: number[], port?: number, log = capturingLog()) {
  for (let attempt = 0; ; attempt++) {
    const p = port ?? 20_000 + Math.floor(Math.random() * 40_000);
    const m = new Membership(init(id, p, seeds), { log });
    try {
      await m.start();
      running.push(m);
      return { m, port: p, log };
    } catch (err) {
      if (port !== undefined || attempt > 20 || !/already in use/.test(String(err))) throw err;
    }
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await Bun.sleep(20);
  }
}

const stateOf = (m: Membership, id: string): MemberState | undefined => m.members().find((x) => x.id === id)?.state;
const aliveIds = (m: Membership) => m.members().filter((x) => x.state === "alive").map((x) => x.id).sort();

async function threeNodes() {
  const a = await startNode("a", []);
  const b = await startNode("b", [a.port]);
  const c = await startNode("c", [a.port]);
  const all = [a, b, c];
  await waitFor("all three see three alive", () => all.every((n) => aliveIds(n.m).join() === "a,b,c"));
  return { a, b, c };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

describe("Membership over UDP", () => {
  test("nodes join through a seed; a stopped one turns suspect then dead; restarted it rejoins", async () => {
    const { a, b, c } = await threeNodes();
    const seenByA: MemberChange[] = [];
    a.m.onChange((ch) => seenByA.push(ch));

    await c.m.stop();
    await waitFor("a and b declare c dead", () => stateOf(a.m, "c") === "dead" && stateOf(b.m, "c") === "dead");
    const cChanges = seenByA.filter((ch) => ch.member.id === "c").map((ch) => `${ch.previous}->${ch.member.state}`);
    expect(cChanges).toEqual(["alive->suspect", "suspect->dead"]);

    // A fresh process on the same port: incarnation 0, learns it was declared dead, refutes.
    const c2 = await startNode("c", [a.port], c.port);
    expect(c2.m.self().incarnation).toBe(0);
    await waitFor("c alive again at a and b", () => stateOf(a.m, "c") === "alive" && stateOf(b.m, "c") === "alive");
    expect(c2.m.self().incarnation).toBeGreaterThan(0);
    expect(a.m.members().find((x) => x.id === "c")!.incarnation).toBe(c2.m.self().incarnation);
    expect(seenByA.filter((ch) => ch.member.id === "c").at(-1)).toMatchObject({ previous: "dead", member: { state: "alive" } });
  });

  test("the same instance stopped and started again rejoins above its old incarnation", async () => {
    const { a, b } = await threeNodes();
    await b.m.stop();
    await waitFor("a declares b dead", () => stateOf(a.m, "b") === "dead");
    await b.m.start();
    await waitFor("b alive again at a", () => stateOf(a.m, "b") === "alive");
    expect(b.m.self().incarnation).toBeGreaterThan(0);
    expect(aliveIds(b.m)).toEqual(["a", "b", "c"]);
  });

  test("a graceful leave is seen as left, not dead", async () => {
    const { a, b, c } = await threeNodes();
    await b.m.leave();
    await waitFor("a and c see b left", () => stateOf(a.m, "b") === "left" && stateOf(c.m, "b") === "left");
    await Bun.sleep(800); // longer than the 400 ms suspicion timeout: a left member is not probed
    expect([stateOf(a.m, "b"), stateOf(c.m, "b")]).toEqual(["left", "left"]);
  });

  test("blocked peers: a helper keeps a member alive; cut off completely it is declared dead", async () => {
    const { a, b, c } = await threeNodes();
    const addr = (p: number) => `${HOST}:${p}`;
    const suspectedByA: string[] = [];
    a.m.onChange((ch) => ch.member.state !== "alive" && suspectedByA.push(ch.member.id));
    a.m.setBlockedPeers([addr(b.port)]);
    b.m.setBlockedPeers([addr(a.port)]);
    await Bun.sleep(1500); // many protocol periods: a's pings to b fail, c relays them
    expect(suspectedByA).toEqual([]);
    expect(stateOf(a.m, "b")).toBe("alive");

    c.m.setBlockedPeers([addr(b.port)]);
    b.m.setBlockedPeers([addr(a.port), addr(c.port)]);
    await waitFor("a and c declare b dead", () => stateOf(a.m, "b") === "dead" && stateOf(c.m, "b") === "dead");
  });

  test("random bytes and malformed messages are dropped with a rate-limited warning; the node keeps working", async () => {
    const log = capturingLog();
    const a = await startNode("a", [], undefined, log);
    const b = await startNode("b", [a.port]);
    await waitFor("a and b see each other", () => aliveIds(a.m).join() === "a,b" && aliveIds(b.m).join() === "a,b");

    const raw = dgram.createSocket("udp4");
    await new Promise<void>((r) => raw.bind(0, HOST, () => r()));
    const replies: Uint8Array[] = [];
    raw.on("message", (buf) => replies.push(new Uint8Array(buf)));
    const send = (bytes: Uint8Array | string) =>
      new Promise<void>((r) => raw.send(typeof bytes === "string" ? Buffer.from(bytes) : bytes, a.port, HOST, () => r()));
    try {
      for (let i = 0; i < 40; i++) await send(crypto.getRandomValues(new Uint8Array(1 + ((i * 37) % 1400))));
      await send('{"v":1,"type":"ping",');
      await send('{"v":1,"type":"ping","from":"x","seq":"1","to":"a","updates":[]}');
      await send('{"v":1,"type":"meteor","from":"x"}');
      await send(JSON.stringify({ v: 1, type: "gossip", from: "x", updates: [{ id: "evil", host: "h", gossipPort: 99999 }] }));
      await send(new Uint8Array(0));

      // Still answering: a well-formed ping gets an ack.
      await send(encodeMessage({ v: 1, type: "ping", from: "probe", seq: 4242, to: "a", updates: [] }));
      await waitFor("an ack from a", () => replies.some((r) => decodeMessage(r).type === "ack"), 2000);
      const ack = decodeMessage(replies.find((r) => decodeMessage(r).type === "ack")!);
      expect(ack.type === "ack" && ack.seq).toBe(4242);
    } finally {
      raw.close();
    }
    const malformed = log.warns.filter((w) => w.msg === "dropped malformed gossip datagram");
    expect(malformed.length).toBeGreaterThan(0);
    expect(malformed.length).toBeLessThanOrEqual(5);
    expect(String(malformed[0]!.ctx?.from)).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(log.errors).toEqual([]);
    expect(a.m.members().some((m) => m.id === "evil")).toBe(false);
    // And membership still works: b stops, a notices.
    await b.m.stop();
    await waitFor("a declares b dead", () => stateOf(a.m, "b") === "dead");
  });

  test("a second instance on a gossip port in use fails with a clear message; bad ports and seeds too", async () => {
    const a = await startNode("a", []);
    const dup = new Membership(init("a2", a.port, []), { log: capturingLog() });
    await expect(dup.start()).rejects.toThrow(`gossip port ${a.port} is already in use`);
    expect(aliveIds(a.m)).toEqual(["a"]);
    expect(() => new Membership(init("z", 0, []))).toThrow("gossip port must be 1-65535, got 0");
    expect(() => new Membership({ ...init("z", 4000, []), seeds: ["nohost"] })).toThrow('invalid gossip address "nohost"');
  });
});
