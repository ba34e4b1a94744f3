// The in-memory PeerRpc against the shared conformance suite.
import { MemoryNetwork } from "./memory-rpc.ts";
import { MEMBERS, runPeerRpcConformance } from "./peer-rpc.case.ts";

runPeerRpcConformance("in memory", async ({ stores, handlers }) => {
  const net = new MemoryNetwork();
  for (const id of MEMBERS) net.register(id, { store: stores[id], handlers: handlers[id] });
  const rpc = net.register("a", { store: stores.a, handlers: handlers.a });
  return {
    rpc,
    setDown: async (id) => net.setDown(id, true),
    setHung: async (id) => net.setHung(id, true),
    close: async () => {},
  };
});
