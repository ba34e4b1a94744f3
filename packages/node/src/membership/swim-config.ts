// SWIM tuning: the knobs, memberlist's LAN defaults, and how timeouts and fan-outs scale with cluster size n.

export interface SwimConfig {
  /** One protocol period: one member probed per period. */
  probeIntervalMs: number;
  /** Wait for a direct ack before asking helpers (ping-req). */
  probeTimeoutMs: number;
  /** Helpers asked to ping an unresponsive target (SWIM's k). */
  indirectChecks: number;
  /** Minimum suspicion timeout = suspicionMult * max(1, log10(n)) * probeIntervalMs. */
  suspicionMult: number;
  /**
   * Lifeguard: a suspicion nobody else confirms waits this many times the minimum (memberlist: 6); each
   * independent confirmation shortens it towards the minimum. 1 turns dynamic suspicion off. Default 6.
   */
  suspicionMaxTimeoutMult?: number;
  /** Each update is piggy-backed retransmitMult * ceil(log10(n + 1)) times. */
  retransmitMult: number;
  /**
   * memberlist's gossip fan-out: while updates wait to be spread, every gossipIntervalMs they go to this many
   * random live (or lately dead) members besides riding on probes. Refutations thus spread at their own
   * pace, not at the probe rate that local health stretches. 0 turns it off. Default 3.
   */
  gossipNodes?: number;
  /** Default probeIntervalMs / 5 (memberlist LAN: 200 ms). */
  gossipIntervalMs?: number;
  /** Full state exchange with one random alive member (anti-entropy for lost gossip). */
  pushPullIntervalMs: number;
  /** Push-pull with a random dead member or an unreached seed, so restarts and healed partitions merge. */
  reconnectIntervalMs: number;
  /**
   * A member dead this long becomes "left" (DEAD_MEMBER_TIMEOUT): forgotten, as `orrery members forget` does,
   * so it stops blocking garbage collection. Never when unset.
   */
  deadForgetMs?: number;
  /** Forget dead and left members this long after they changed state; kept forever when unset. */
  deadReapMs?: number;
  /**
   * Lifeguard's local health awareness: a node whose own probes go unanswered, or which had to refute a
   * suspicion of itself, is probably the slow one; it stretches its protocol period up to this many times
   * (memberlist: 8) instead of suspecting healthy peers. 1 turns it off. Default 8.
   */
  awarenessMax?: number;
}

/** memberlist's LAN profile scaled to `probeIntervalMs` (1 s probe, 500 ms timeout, k = 3, 30 s push-pull). */
export function defaultSwimConfig(probeIntervalMs = 1000): SwimConfig {
  return {
    probeIntervalMs,
    probeTimeoutMs: Math.max(1, Math.round(probeIntervalMs / 2)),
    indirectChecks: 3,
    suspicionMult: 4,
    suspicionMaxTimeoutMult: 6,
    awarenessMax: 8,
    retransmitMult: 4,
    gossipNodes: 3,
    gossipIntervalMs: Math.max(1, Math.round(probeIntervalMs / 5)),
    pushPullIntervalMs: 30 * probeIntervalMs,
    // serf reconnects every 30 s; a household cluster benefits from healing faster, and it is one message.
    reconnectIntervalMs: 10 * probeIntervalMs,
  };
}

/**
 * Lifeguard/memberlist: suspicionMult * max(1, log10(n)) * probeInterval. Larger clusters need longer
 * for the suspicion to reach the suspect through gossip, and for its refutation to come back.
 */
export function suspicionTimeoutMs(config: SwimConfig, n: number): number {
  return config.suspicionMult * Math.max(1, Math.log10(Math.max(1, n))) * config.probeIntervalMs;
}

/** The bounds of one suspicion: k confirmations expected, timeout from `max` down to `min` as they arrive. */
export interface SuspicionBounds {
  k: number;
  minMs: number;
  maxMs: number;
}

/**
 * memberlist's newSuspicion parameters, with one change for small clusters: k = suspicionMult - 2
 * confirmations are expected, or as many as there are members who could give one (n - 2: neither we nor
 * the suspect). memberlist expects none (k = 0, the minimum at once) when fewer than suspicionMult - 2
 * could confirm, so in a 3-node cluster one node's lost acks alone killed a healthy member after 4 s; here
 * the lone suspicion waits the maximum, and the other member's own failed probe still brings it down to the
 * minimum, so a member that really stopped is declared dead as fast as before.
 */
export function suspicionBounds(config: SwimConfig, n: number): SuspicionBounds {
  const minMs = suspicionTimeoutMs(config, n);
  const k = Math.max(0, Math.min(config.suspicionMult - 2, n - 2));
  return { k, minMs, maxMs: Math.max(1, config.suspicionMaxTimeoutMult ?? 6) * minMs };
}

/** Lifeguard's dynamic suspicion: max - log(c+1)/log(k+1) * (max - min), never below min. */
export function suspicionTimeoutAfter(bounds: SuspicionBounds, confirmations: number): number {
  const { k, minMs, maxMs } = bounds;
  if (k < 1) return minMs;
  const frac = Math.log(confirmations + 1) / Math.log(k + 1);
  return Math.max(minMs, Math.floor(maxMs - frac * (maxMs - minMs)));
}

/** How many messages each update rides on: enough for infection-style spread to reach all n with high probability. */
export function retransmitLimit(config: SwimConfig, n: number): number {
  return Math.max(1, config.retransmitMult * Math.ceil(Math.log10(n + 1)));
}

/** memberlist's pushPullScale: beyond 32 members, exchange less often so total push-pull traffic stays flat. */
export function pushPullIntervalMs(config: SwimConfig, n: number): number {
  const scale = n <= 32 ? 1 : Math.ceil(Math.log2(n) - Math.log2(32)) + 1;
  return config.pushPullIntervalMs * scale;
}
