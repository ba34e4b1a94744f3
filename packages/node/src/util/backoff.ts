// Exponential backoff with full jitter (AWS architecture blog): spreads retries of many rows
// so that a returning node is not hit by every queue at the same instant.

export function backoffDelay(attempts: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempts, 30));
  return Math.max(baseMs / 2, Math.floor(ceiling * random()));
}
