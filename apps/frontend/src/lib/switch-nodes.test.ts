import { expect, test } from "bun:test";
import type { ClusterView, Member } from "./api.ts";
import { otherNodes } from "./switch-nodes.ts";

const member = (id: string, state: Member["state"], host = "10.0.0.1", httpPort = 3000): Member => ({
  id, host, httpPort, gossipPort: 1, transferPort: 2, state, incarnation: 0, zone: null, weight: 1, role: "storage", full: false,
});
const view = (members: Member[]): ClusterView => ({ self: "n1", replicationFactor: 3, members, ring: { units: 65536, vnodes: 0, members: [] } });

test("the other members last seen alive (then suspect) at their own address, on the same page; not the dead or departed", () => {
  const v = view([member("n1", "alive"), member("n4", "suspect", "10.0.0.4"), member("n3", "alive", "10.0.0.3", 3003), member("n2", "dead"), member("n5", "left"), member("n6", "alive", "fd00::6")]);
  expect(otherNodes(v, "http:", "/files/a%20b?x=1")).toEqual([
    { id: "n3", state: "alive", url: "http://10.0.0.3:3003/files/a%20b?x=1" },
    { id: "n6", state: "alive", url: "http://[fd00::6]:3000/files/a%20b?x=1" },
    { id: "n4", state: "suspect", url: "http://10.0.0.4:3000/files/a%20b?x=1" },
  ]);
  expect(otherNodes(undefined, "http:", "/")).toEqual([]);
  expect(otherNodes(view([member("n1", "alive")]), "https:", "/")).toEqual([]);
});
