// When a node announces itself on the LAN: quickly a few times after start, then every few seconds.

/**
 * Delay before the next announcement. Right after start a node announces quickly a few times (a lost
 * datagram, or a peer whose socket was not up yet, costs seconds rather than an interval); after that
 * every `intervalMs`, jittered by ±25% so nodes started together do not announce in lock-step.
 */
export function nextAnnouncementDelay(sent: number, intervalMs: number, random: () => number): number {
  const jitter = 0.75 + 0.5 * random();
  if (sent < 3) return Math.min(intervalMs, 500 * 2 ** sent) * jitter;
  return intervalMs * jitter;
}
