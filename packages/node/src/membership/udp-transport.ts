// The gossip socket: one UDP socket bound to the gossip port, sending and receiving raw datagrams,
// with a block list so partition tests can cut a node off from chosen peers, and a read delay for tests of
// a lagging event loop.
//
// node:dgram rather than Bun.udpSocket: both bind and report EADDRINUSE the same way under Bun, but dgram
// resolves host names in send() (seeds may be names), reports late socket errors as events instead of
// throwing, and keeps this adapter runnable under Node for tooling.
import dgram from "node:dgram";
import type { Logger } from "../log.ts";
import { formatAddress, parseAddress, type Address } from "./address.ts";

export type DatagramHandler = (bytes: Uint8Array, from: Address) => void;

export class UdpTransport {
  private socket: dgram.Socket | undefined;
  private blocked = new Set<Address>();
  private delayMs = 0;

  constructor(
    private readonly onDatagram: DatagramHandler,
    private readonly log: Logger,
  ) {}

  /** Binds host:port; a port already taken rejects with "gossip port N is already in use". */
  bind(host: string, port: number): Promise<void> {
    if (this.socket) return Promise.reject(new Error("gossip socket already bound"));
    const socket = dgram.createSocket({ type: host.includes(":") ? "udp6" : "udp4", reuseAddr: false });
    return new Promise((resolve, reject) => {
      const onBindError = (err: NodeJS.ErrnoException) => {
        socket.close();
        reject(
          err.code === "EADDRINUSE"
            ? new Error(`gossip port ${port} is already in use (${formatAddress(host, port)})`)
            : new Error(`cannot bind gossip socket on ${formatAddress(host, port)}: ${err.message}`),
        );
      };
      socket.once("error", onBindError);
      socket.bind(port, host, () => {
        socket.off("error", onBindError);
        // After bind, socket errors (e.g. a send to an unresolvable name) are logged, never thrown.
        socket.on("error", (err) => {
          // ECONNREFUSED is the kernel relaying "port unreachable" from a peer that is down: the
          // failure detector already deals with that, so it is not worth a warning each probe.
          if ((err as NodeJS.ErrnoException).code === "ECONNREFUSED") this.log.debug("gossip peer unreachable", { err });
          else this.log.warn("gossip socket error", { err });
        });
        socket.on("message", (buf, rinfo) => {
          const from = formatAddress(rinfo.address, rinfo.port);
          if (this.blocked.has(from)) return;
          const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
          if (this.delayMs > 0) setTimeout(() => this.handle(bytes, from), this.delayMs);
          else this.handle(bytes, from);
        });
        this.socket = socket;
        resolve();
      });
    });
  }

  private handle(bytes: Uint8Array, from: Address): void {
    try {
      this.onDatagram(bytes, from);
    } catch (err) {
      // A throwing listener would crash the process from inside the event loop.
      this.log.error("gossip datagram handler threw", { from, err });
    }
  }

  send(to: Address, bytes: Uint8Array): void {
    const socket = this.socket;
    if (!socket || this.blocked.has(to)) return;
    let target: { host: string; port: number };
    try {
      target = parseAddress(to);
    } catch (err) {
      this.log.warn("not sending to an invalid gossip address", { to, err });
      return;
    }
    socket.send(bytes, target.port, target.host, (err) => {
      if (err) this.log.debug("gossip send failed", { to, err });
    });
  }

  /** Fault injection: datagrams to and from these addresses are dropped from now on. */
  setBlocked(addrs: Address[]): void {
    this.blocked = new Set(addrs.map((a) => {
      const { host, port } = parseAddress(a);
      return formatAddress(host, port);
    }));
  }

  /** Fault injection: every datagram is handed on `ms` after it arrived (0: at once). */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
