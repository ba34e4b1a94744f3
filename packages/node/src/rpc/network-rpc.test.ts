// The network PeerRpc (real transfer servers on 127.0.0.1, authenticated connections) against the shared
// conformance suite.
import * as net from "node:net";
import { testKeyring } from "../security/test-keys.ts";
import { TransferClient } from "../transfer/client.ts";
import { PeerChannel } from "../transfer/peer-channel.ts";
import { TransferServer } from "../transfer/server.ts";
import { NetworkRpc } from "./network-rpc.ts";
import { MEMBERS, type MemberId, quiet, runPeerRpcConformance } from "./peer-rpc.case.ts";
import { dispatchJson } from "./peer-rpc.ts";

runPeerRpcConformance("network", async ({ stores, handlers }) => {
  const keyring = testKeyring();
  const servers = new Map<MemberId, TransferServer>();
  const addresses = new Map<string, { host: string; transferPort: number }>();
  for (const id of MEMBERS) {
    const server = new TransferServer(
      {
        store: stores[id],
        host: "127.0.0.1",
        port: 0,
        maxChunkSize: 1024 * 1024,
        selfId: id,
        keyring,
        encrypt: false,
        rpc: (from, method, body) => dispatchJson(handlers[id], from, method, body),
      },
      { log: quiet },
    );
    await server.start();
    servers.set(id, server);
    addresses.set(id, { host: "127.0.0.1", transferPort: server.port });
  }
  const client = new TransferClient({ selfId: "a", keyring, encrypt: () => false, connectTimeoutMs: 1000 }, { log: quiet });
  const rpc = new NetworkRpc({
    selfId: "a",
    client,
    address: (id) => addresses.get(id),
    local: { store: stores.a, handlers: handlers.a },
    timeouts: { connectMs: 1000, dataMs: 5000, controlMs: 5000 },
  });
  const mutes: net.Server[] = [];
  return {
    rpc,
    setDown: async (id) => servers.get(id)!.stop(),
    // A process that still holds the key and accepts connections but never answers (SIGSTOP-like once connected).
    setHung: async (id) => {
      const mute = net.createServer((socket) => {
        socket.on("error", () => {});
        PeerChannel.accept(socket, { keyring, selfId: id, encrypt: false, timeoutMs: 1000 }).then((ch) => ch.onData(() => {}), () => {});
      });
      await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
      mutes.push(mute);
      addresses.set(id, { host: "127.0.0.1", transferPort: (mute.address() as net.AddressInfo).port });
    },
    close: async () => {
      await client.close();
      for (const m of mutes) m.close();
      await Promise.all([...servers.values()].map((s) => s.stop()));
    },
  };
});
