// The command line of `pnpm fuzz`: --seed, --inputs, --seconds, --quick (the CI size).
import { newSeed } from "./rng.ts";

export interface FuzzOptions {
  seed: number;
  inputs: number;
  seconds: number;
}

export const FULL = { inputs: 1_000_000, seconds: 600 };
export const QUICK = { inputs: 50_000, seconds: 45 };

export const USAGE = `usage: pnpm fuzz [--seed N] [--inputs N] [--seconds N] [--quick]
  --seed N      replay the input sequence of an earlier run (printed at the start of every run)
  --inputs N    inputs to send (default ${FULL.inputs}; --quick: ${QUICK.inputs})
  --seconds N   upper bound on the sending phase (default ${FULL.seconds}; --quick: ${QUICK.seconds})
  --quick       the CI size`;

export function parseOptions(argv: string[]): FuzzOptions {
  let size = FULL;
  let seed: number | undefined;
  let inputs: number | undefined;
  let seconds: number | undefined;
  const number = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag} needs a whole number ≥ ${min}\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") size = QUICK;
    else if (arg === "--seed") seed = number(arg, argv[++i], 0) >>> 0;
    else if (arg === "--inputs") inputs = number(arg, argv[++i], 1);
    else if (arg === "--seconds") seconds = number(arg, argv[++i], 1);
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return { seed: seed ?? newSeed(), inputs: inputs ?? size.inputs, seconds: seconds ?? size.seconds };
}
