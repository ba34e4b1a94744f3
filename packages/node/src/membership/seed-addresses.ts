// The gossip addresses each configured seed stands for: a host name is looked up (every address it has), so
// the join gate (join-gate.ts) can tell which seeds it has met by the addresses members announce.
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { type Address, formatAddress, parseAddress } from "./address.ts";

type Lookup = (host: string) => Promise<string[]>;

const systemLookup: Lookup = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * One list per seed: the seed as written, then the addresses its name resolves to. A name that does not
 * resolve (yet) stands for itself only, and `onError` hears why.
 */
export async function seedAddresses(
  seeds: readonly Address[],
  onError: (seed: Address, err: unknown) => void,
  resolve: Lookup = systemLookup,
): Promise<Address[][]> {
  return Promise.all(
    seeds.map(async (seed) => {
      const { host, port } = parseAddress(seed);
      if (isIP(host) !== 0) return [formatAddress(host, port)];
      try {
        const found = (await resolve(host)).map((ip) => formatAddress(ip, port));
        return [...new Set([seed, ...found])];
      } catch (err) {
        onError(seed, err);
        return [seed];
      }
    }),
  );
}

/**
 * While the node has not joined, looks its seeds' names up again every `intervalMs` (a seed's name may
 * resolve only once its machine or container is up) and tells `changed` the new addresses, so the founding
 * set every node announces converges. Returns the stop function; nothing runs when every seed is an address.
 */
export function watchSeedNames(
  seeds: readonly Address[],
  opts: {
    intervalMs: number;
    joined: () => boolean;
    changed: (addresses: Address[][]) => void;
    onError: (seed: Address, err: unknown) => void;
    resolve?: Lookup;
  },
): () => void {
  if (seeds.every((s) => isIP(parseAddress(s).host) !== 0)) return () => {};
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const round = async () => {
    if (stopped || opts.joined()) return;
    opts.changed(await seedAddresses(seeds, opts.onError, opts.resolve));
    if (!stopped) timer = setTimeout(round, opts.intervalMs);
  };
  timer = setTimeout(round, opts.intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
