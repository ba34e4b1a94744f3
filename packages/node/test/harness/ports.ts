// Free loopback ports for test nodes: bind port 0, read the port, release it. Each port is
// checked for both TCP and UDP because a node uses one of each kind per number it announces.
import { createSocket } from "node:dgram";
import { createServer } from "node:net";

const taken = new Set<number>();

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    if (taken.has(port)) continue;
    if ((await tcpFree(port)) && (await udpFree(port))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error("no free port found");
}
