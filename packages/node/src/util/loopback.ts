// Whether an address stays on this host: what decides if peer traffic needs encryption and whether a
// node may skip admin credentials.
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || h.startsWith("127.") || h.startsWith("::ffff:127.");
}
