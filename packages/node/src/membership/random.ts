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

export function sample<T>(random: Random, xs: readonly T[], k: number): T[] {
  return shuffle(random, [...xs]).slice(0, k);
}
