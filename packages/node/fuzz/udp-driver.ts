// Sends the gossip datagrams: one UDP socket, round-robin over the nodes' gossip ports, at the pace
// the campaign sets (a flood faster than the nodes read would only measure the kernel's socket buffer).
import dgram from "node:dgram";
import type { FuzzMember, GossipInputs } from "./gossip-inputs.ts";
import type { Pace } from "./pace.ts";
import type { Tally } from "./tally.ts";

/** Datagrams larger than this cannot be sent over IPv4 at all; the generators stay below it. */
const MAX_UDP = 65_507;

export async function runUdp(nodes: readonly FuzzMember[], gen: GossipInputs, pace: Pace, tally: Tally, stopped: () => boolean): Promise<void> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  socket.on("error", () => tally.note("udp socket error"));
  let pending = 0;
  let i = 0;
  try {
    while (!stopped()) {
      const n = pace.allowance(500);
      for (let k = 0; k < n; k++) {
        const node = nodes[i++ % nodes.length]!;
        const d = gen.next();
        const bytes = d.bytes.byteLength > MAX_UDP ? d.bytes.subarray(0, MAX_UDP) : d.bytes;
        pending++;
        socket.send(bytes, node.gossipPort, "127.0.0.1", (err) => {
          pending--;
          if (err) tally.note(`udp send failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
          else tally.sent(node.id, d.family, bytes);
        });
      }
      await Bun.sleep(n > 0 ? 2 : 5);
    }
    while (pending > 0) await Bun.sleep(5);
  } finally {
    socket.close();
  }
}
