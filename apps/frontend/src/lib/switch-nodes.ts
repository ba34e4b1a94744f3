// Where else the UI can be opened when the node it talks to stops answering: the other members of the last
// cluster view, each at its own HTTP address with the page the user was on. Pure.
import type { ClusterView } from "./api.ts";

export interface OtherNode {
  id: string;
  url: string;
  state: string;
}

/** `host:port` for a URL: an IPv6 literal in brackets. */
const hostPort = (host: string, port: number) => `${host.includes(":") ? `[${host}]` : host}:${port}`;

/**
 * The members of `view` other than the unreachable one, those last seen alive first; dead and departed
 * members are left out (they would not answer either). `page`: path, query and hash to open there.
 */
export function otherNodes(view: ClusterView | undefined, protocol: string, page: string): OtherNode[] {
  if (!view) return [];
  const rank = (s: string) => (s === "alive" ? 0 : 1);
  return view.members
    .filter((m) => m.id !== view.self && (m.state === "alive" || m.state === "suspect") && m.httpPort > 0)
    .sort((a, b) => rank(a.state) - rank(b.state) || a.id.localeCompare(b.id))
    .map((m) => ({ id: m.id, state: m.state, url: `${protocol}//${hostPort(m.host, m.httpPort)}${page.startsWith("/") ? page : `/${page}`}` }));
}
