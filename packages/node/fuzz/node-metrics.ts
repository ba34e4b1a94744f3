// The nodes' own account of the campaign, from GET /metrics: datagrams rejected by reason, failed
// handshakes by reason, HTTP answers by status, claims ignored. Differences before/after show that the
// inputs arrived and were refused, in the nodes' words rather than the fuzzer's.

/** The counters worth reporting, by metric name and the label that splits them. */
const SERIES: Record<string, string> = {
  orrery_gossip_datagrams_rejected_total: "reason",
  orrery_peer_handshakes_failed_total: "reason",
  orrery_gossip_claims_ignored_total: "rule",
  orrery_http_requests_total: "status",
};

/** metric → label value → value (HTTP requests summed over interface and method). */
export type Counters = Record<string, Record<string, number>>;

export function parseCounters(text: string): Counters {
  const out: Counters = {};
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)\{([^}]*)\}\s+([0-9.e+-]+)$/.exec(line);
    if (!m) continue;
    const [, name, labels, value] = m as unknown as [string, string, string, string];
    const label = SERIES[name];
    if (!label) continue;
    const key = new RegExp(`${label}="([^"]*)"`).exec(labels)?.[1];
    if (key === undefined) continue;
    const series = (out[name] ??= {});
    series[key] = (series[key] ?? 0) + Number(value);
  }
  return out;
}

/** The node's event-loop lag since the previous scrape (prom-client resets its histogram on each), seconds. */
export interface Lag {
  max?: number;
  p99?: number;
}

export function parseLag(text: string): Lag {
  const gauge = (name: string) => {
    const m = new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return { max: gauge("nodejs_eventloop_lag_max_seconds"), p99: gauge("nodejs_eventloop_lag_p99_seconds") };
}

export async function readMetrics(httpUrl: string): Promise<{ counters: Counters; lag: Lag }> {
  const res = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { counters: parseCounters(text), lag: parseLag(text) };
}

/** after − before, per series; zero differences left out. */
export function counterDelta(before: Counters, after: Counters): Counters {
  const out: Counters = {};
  for (const [name, series] of Object.entries(after)) {
    for (const [key, value] of Object.entries(series)) {
      const d = value - (before[name]?.[key] ?? 0);
      if (d !== 0) (out[name] ??= {})[key] = d;
    }
  }
  return out;
}

/** HTTP answers by class ("4xx" …) from the per-status counts. */
export function statusClasses(series: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [status, n] of Object.entries(series ?? {})) out[`${status[0]}xx`] = (out[`${status[0]}xx`] ?? 0) + n;
  return out;
}
