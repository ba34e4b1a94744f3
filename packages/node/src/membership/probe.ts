// One protocol period's probe of one member (SWIM's failure detector, memberlist's probeNode): a direct
// ping; when no ack came within probeTimeoutMs, ping-reqs through k helpers and, where the node can, the
// same ping over the authenticated TCP peer connection (memberlist's fallback probe: lost datagrams do not
// stop a TCP stream). An ack by any path before the period ends clears the member; silence on all of them
// makes it suspect.

export interface Probe {
  seq: number;
  target: string;
  addr: string;
  incarnation: number;
  startedAt: number;
  /** The protocol period this probe runs for: probeIntervalMs stretched by the local health score. */
  periodMs: number;
  /** The direct ping timed out and the indirect (and stream) probes went out. */
  escalated: boolean;
  /** Helpers asked to nack; each nack that does not come counts against our own health. */
  expectedNacks: number;
  nacks: number;
  stream: "none" | "pending" | "failed";
}

/** How probes ended, for /metrics: which path answered, or none, or abandoned because this node was starved. */
export interface ProbeStats {
  direct: number;
  indirect: number;
  stream: number;
  failed: number;
  abandoned: number;
}

export function newProbeStats(): ProbeStats {
  return { direct: 0, indirect: 0, stream: 0, failed: 0, abandoned: 0 };
}

/** When the probe next needs attention: escalation, or the verdict at the end of the period. */
export function probeDueAt(p: Probe, probeTimeoutMs: number): number {
  if (!p.escalated) return p.startedAt + probeTimeoutMs;
  const end = p.startedAt + p.periodMs;
  // A stream call still out at the end of the period gets one ack timeout more (its own timeout ends
  // then): a TCP connection may need its handshake first, and a busy event loop delays its answer.
  return p.stream === "pending" ? end + probeTimeoutMs : end;
}

/**
 * memberlist's health penalty for a failed probe: each helper's nack that never came (helpers that could
 * reach us but not the target vouch for our network), or 1 when no helper was asked.
 */
export function failedProbePenalty(p: Probe): number {
  return p.expectedNacks > 0 ? Math.max(0, p.expectedNacks - p.nacks) : 1;
}

/** A helper nacks after this share of its ack timeout, so the nack reaches the origin before its period ends. */
export const NACK_AFTER_FRACTION = 0.8;
