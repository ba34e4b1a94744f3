// Accounts of a cluster of nodes in one process (memory stores, the in-memory peer RPC, a manual clock) for
// the accounts' unit tests: nodes can be taken down and brought back, time moved on.
import type { Logger } from "../log.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import type { JsonHandlers } from "../rpc/methods.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { MemoryAccountStore } from "./account-store.ts";
import { Accounts } from "./accounts.ts";
import { AccountsSync } from "./accounts-sync.ts";
import { PasswordChecker } from "./passwords.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function cluster(ids: string[], opts: { quietMaxMs?: number } = {}) {
  const net = new MemoryNetwork();
  const clock = new ManualClock();
  let now = 1_800_000_000_000;
  const down = new Set<string>();
  const setDown = (id: string, v: boolean) => {
    net.setDown(id, v);
    if (v) down.add(id);
    else down.delete(id);
  };
  const nodes = new Map<string, { accounts: Accounts; sync: AccountsSync; store: MemoryAccountStore }>();
  /** How many times each node was asked for its digest (a round's first call). */
  const digestsAsked = new Map<string, number>();
  for (const id of ids) {
    const handlers: JsonHandlers = {};
    const rpc = net.register(id, { store: { put: async () => ({ created: false }), get: async () => new Uint8Array(), has: () => false }, handlers }, { clock });
    const store = new MemoryAccountStore();
    const peers = () => ids.filter((x) => x !== id && !down.has(x));
    const sync = new AccountsSync({ intervalMs: 1000, quietMaxMs: opts.quietMaxMs }, { selfId: id, store, rpc, peers, clock, random: () => 0, log: quiet });
    Object.assign(handlers, sync.handlers());
    const digest = handlers["accounts.digest"]!;
    handlers["accounts.digest"] = (from, request) => {
      digestsAsked.set(id, (digestsAsked.get(id) ?? 0) + 1);
      return digest(from, request);
    };
    const accounts = new Accounts({ selfId: id, store, sync, now: () => now, log: quiet, passwords: new PasswordChecker({ now: () => now }) });
    nodes.set(id, { accounts, sync, store });
  }
  return { setDown, clock, nodes, digestsAsked, tick: (ms: number) => (now += ms), node: (id: string) => nodes.get(id)! };
}
