// Random choices for the SWIM core, drawn from an injected source so a seeded simulator replays them.

export type Random = () => number;

export function pick<T>(random: Random, xs: readonly T[]): T | undefined {
  return xs.length === 0 ? undefined : xs[Math.min(xs.length - 1, Math.floor(random() * xs.length))];
}

/** Fisher-Yates, in place. */
export function shuffle<T>(random: Random, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/**
 * k distinct elements in random order: Fisher-Yates stopped after k places, so it draws k numbers, not
 * |xs|. Callers pick 1-64 of up to thousands of members several times a second (gossip fan-out, helpers,
 * sync peers); shuffling the whole list each time made their cost grow with the cluster.
 */
export function sample<T>(random: Random, xs: readonly T[], k: number): T[] {
  const copy = [...xs];
  const n = Math.min(Math.max(0, k), copy.length);
  for (let i = 0; i < n; i++) {
    const j = Math.min(copy.length - 1, i + Math.floor(random() * (copy.length - i)));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  copy.length = n;
  return copy;
}
