import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { interfaceOf, NodeMetrics, type NodeMetricsSources } from "./metrics.ts";

function sources(over: Partial<NodeMetricsSources> = {}): NodeMetricsSources {
  return {
    nodeId: "n1",
    version: "9.9.9",
    members: () => [],
    gossipHealth: () => 2,
    chunks: () => ({ count: 0, bytes: 0 }),
    files: () => ({ files: 0, dirs: 0, tombstones: 0, bytes: 0 }),
    disk: () => ({ totalBytes: 100, freeBytes: 40 }),
    queue: { depth: () => 0, chunksPending: () => 0, delivered: () => 0 },
    handoff: () => ({ surplusCopiesWaiting: 0, surplusCopiesDeleted: 0 }),
    scrub: () => ({ passes: 0, checked: 0, corrupt: 0, repaired: 0, inlineChecked: 0, inlineCorrupt: 0, inlineRepaired: 0, lastPassStartedAt: null, lastPassFinishedAt: null }),
    gc: () => ({ passes: 0, skipped: null, chunksDeleted: 0, tombstonesPurged: 0, versionsPruned: 0, lastPassAt: null, pendingChunks: 7, minChunkAgeSeconds: 60 }),
    antiEntropy: () => ({ rounds: 0, rangesDiffering: 0, copiesQueued: 0, lastRoundAt: null }),
    ...over,
  };
}

const value = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("NodeMetrics", () => {
  test("gauges and totals are read from their sources at every scrape", async () => {
    let checked = 3;
    const m = new NodeMetrics(sources({ scrub: () => ({ ...sources().scrub(), checked }) }));
    expect(value(await m.text(), "orrery_scrub_chunks_checked_total")).toBe(3);
    expect(value(await m.text(), "orrery_disk_free_bytes")).toBe(40);
    expect(value(await m.text(), "orrery_gossip_health_score")).toBe(2);
    checked = 10;
    // Mirrors the running total; scraping twice does not add it up twice.
    expect(value(await m.text(), "orrery_scrub_chunks_checked_total")).toBe(10);
    expect(value(await m.text(), "orrery_scrub_chunks_checked_total")).toBe(10);
  });

  test("gossip traffic by direction and message type, peer calls by method and connections dialled", async () => {
    const traffic = { datagrams: new Map([["sent ping", 5], ["received ack", 4]]), bytes: new Map([["sent", 900]]) };
    const m = new NodeMetrics(sources({ gossipTraffic: () => traffic, peerCalls: () => ({ calls: { "manifests.sync": 2 }, answerBytes: { "manifests.sync": 300 }, connectionsOpened: 1 }) }));
    const text = await m.text();
    expect(value(text, 'orrery_gossip_datagrams_total{direction="sent",type="ping"}')).toBe(5);
    expect(value(text, 'orrery_gossip_datagrams_total{direction="received",type="ack"}')).toBe(4);
    expect(value(text, 'orrery_gossip_bytes_total{direction="sent"}')).toBe(900);
    expect(value(text, 'orrery_peer_calls_total{method="manifests.sync"}')).toBe(2);
    expect(value(text, 'orrery_peer_answer_bytes_total{method="manifests.sync"}')).toBe(300);
    expect(value(text, "orrery_peer_connections_opened_total")).toBe(1);
    traffic.datagrams.set("sent ping", 6);
    expect(value(await m.text(), 'orrery_gossip_datagrams_total{direction="sent",type="ping"}')).toBe(6);
  });

  test("requests are counted by interface, method and status; invented methods share one label", async () => {
    const m = new NodeMetrics(sources());
    const app = new Hono();
    app.use(m.middleware());
    app.all("*", (c) => c.text("x", c.req.method === "GET" ? 200 : 405));
    await app.request("/api/files/a", { method: "GET" });
    await app.request("/api/files/b", { method: "GET" });
    await app.request("/dav/x", { method: "PATCH" });
    const text = await m.text();
    expect(value(text, 'orrery_http_requests_total{interface="files",method="GET",status="200"}')).toBe(2);
    expect(value(text, 'orrery_http_requests_total{interface="webdav",method="other",status="405"}')).toBe(1);
    expect(text).not.toContain("PATCH");
  });

  test("interfaceOf maps paths to a few labels", () => {
    expect(["/api/files/x", "/dav", "/dav/a", "/api/cluster", "/status", "/metrics", "/", "/files/x"].map(interfaceOf)).toEqual(
      ["files", "webdav", "webdav", "api", "status", "status", "ui", "ui"],
    );
  });
});
