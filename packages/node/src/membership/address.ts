// Gossip addresses as "host:port" strings; an IPv6 host is bracketed so the last colon is the port's.

export type Address = string;

export function formatAddress(host: string, port: number): Address {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parseAddress(addr: Address): { host: string; port: number } {
  const colon = addr.lastIndexOf(":");
  const port = Number(addr.slice(colon + 1));
  let host = addr.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (colon <= 0 || host === "" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid gossip address ${JSON.stringify(addr)}: expected host:port`);
  }
  return { host, port };
}
