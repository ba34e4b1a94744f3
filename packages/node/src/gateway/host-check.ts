// The Host allow-list of the HTTP port, against DNS rebinding: a page on a name the attacker controls
// re-points that name at this node's address, and its scripts then read and write the node "same-origin".
// The browser still sends the attacker's name in Host, so a node answers only names that are its own.
import { isIP } from "node:net";
import { hostname } from "node:os";
import type { MiddlewareHandler } from "hono";
import { refusal } from "./refusal.ts";

/** The name part of a Host header, lower-case, without port or a final dot; IPv6 keeps its brackets. Undefined when malformed. */
export function hostNameOf(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  let name: string;
  let rest: string;
  if (h.startsWith("[")) {
    const close = h.indexOf("]");
    if (close < 0) return undefined;
    name = h.slice(0, close + 1);
    rest = h.slice(close + 1);
  } else {
    const colon = h.indexOf(":");
    name = colon < 0 ? h : h.slice(0, colon);
    rest = colon < 0 ? "" : h.slice(colon);
  }
  if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return undefined;
  if (name.endsWith(".")) name = name.slice(0, -1);
  return name === "" ? undefined : name;
}

/**
 * Which Host names the node answers. Always: IP literals (DNS rebinding needs a name the attacker
 * controls, and an address is nobody's name), `localhost` and `*.localhost` (browsers resolve them to
 * loopback themselves), and this machine's hostname and `<hostname>.local`. Plus the names given:
 * the node's bind and advertise addresses and ALLOWED_HOSTS, where `*.example.com` covers every
 * name under example.com and `*` turns the check off.
 *
 * @example new HostAllowList(["127.0.0.1", "nas.home.arpa", "*.example.com"]).allows("nas.home.arpa:3000") // true
 */
export class HostAllowList {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly any: boolean;

  constructor(names: readonly string[], machine: string = hostname()) {
    const all = [...names, machine, `${machine}.local`].map((n) => n.trim().toLowerCase()).filter(Boolean);
    this.any = all.includes("*");
    for (const n of all) {
      if (n.startsWith("*.")) this.suffixes.push(n.slice(1));
      else if (n !== "*") this.exact.add(n.endsWith(".") ? n.slice(0, -1) : n);
    }
  }

  /** Whether a request with this Host header may be served; a request without one (HTTP/1.0) may. */
  allows(header: string | undefined): boolean {
    if (header === undefined) return true;
    if (this.any) return true;
    const name = hostNameOf(header);
    if (name === undefined) return false;
    if (name.startsWith("[")) return isIP(name.slice(1, -1)) === 6;
    if (isIP(name) === 4) return true;
    if (name === "localhost" || name.endsWith(".localhost")) return true;
    return this.exact.has(name) || this.suffixes.some((s) => name.endsWith(s));
  }
}

/**
 * Refuses, with 421 `host_not_allowed`, every request whose Host is not on the list, whatever its path.
 *
 * @example app.use(hostCheck(new HostAllowList([config.BIND_ADDRESS, config.advertise, ...config.ALLOWED_HOSTS])))
 */
export function hostCheck(list: HostAllowList): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host");
    if (list.allows(host)) return next();
    const name = hostNameOf(host ?? "") ?? host;
    return refusal(
      c,
      421,
      "host_not_allowed",
      `this node does not answer to the host name ${JSON.stringify(name)} (a guard against DNS rebinding); ` +
        `if that is a name of this node, add it to ALLOWED_HOSTS (comma-separated names, *.example.com wildcards allowed) and restart it`,
    );
  };
}
