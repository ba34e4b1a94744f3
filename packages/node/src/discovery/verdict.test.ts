// Which announcements a node acts on.
import { describe, expect, test } from "bun:test";
import type { Announcement } from "./announcement.ts";
import { discoveryMode } from "./index.ts";
import { isLoopbackHost, judgeAnnouncement, type KnownMember, type VerdictContext } from "./verdict.ts";

const heard: Announcement = { cluster: "alpha", id: "b", host: "10.77.0.12", gossipPort: 4000, httpPort: 3000 };
const ctx = (members: KnownMember[] = [], extra: Partial<VerdictContext> = {}): VerdictContext => ({
  selfId: "a",
  selfAddress: "10.77.0.11:4000",
  cluster: "alpha",
  sourceHost: "10.77.0.12",
  members: [{ id: "a", host: "10.77.0.11", gossipPort: 4000, state: "alive" }, ...members],
  ...extra,
});
const b = (state: KnownMember["state"], host = "10.77.0.12"): KnownMember => ({ id: "b", host, gossipPort: 4000, state });

describe("judgeAnnouncement", () => {
  test("an unknown node of our cluster is joined at its announced gossip address", () => {
    expect(judgeAnnouncement(heard, ctx())).toEqual({ act: "join", address: "10.77.0.12:4000" });
    expect(judgeAnnouncement({ ...heard, host: "fd00::12" }, ctx([], { sourceHost: "fd00::12" }))).toEqual({
      act: "join",
      address: "[fd00::12]:4000",
    });
  });

  test("ourselves, other clusters and live members at the same address are ignored", () => {
    expect(judgeAnnouncement({ ...heard, id: "a", host: "10.77.0.11" }, ctx())).toEqual({ act: "ignore", reason: "self" });
    // Our id from another address: a second node with our id, never joined.
    expect(judgeAnnouncement({ ...heard, id: "a" }, ctx())).toEqual({ act: "ignore", reason: "duplicate-id" });
    expect(judgeAnnouncement({ ...heard, cluster: "beta" }, ctx())).toEqual({ act: "ignore", reason: "other-cluster" });
    // Another cluster is ignored even when it happens to be a member we know (a renamed cluster).
    expect(judgeAnnouncement({ ...heard, cluster: "beta" }, ctx([b("alive")]))).toEqual({ act: "ignore", reason: "other-cluster" });
    expect(judgeAnnouncement(heard, ctx([b("alive")]))).toEqual({ act: "ignore", reason: "known" });
    expect(judgeAnnouncement(heard, ctx([b("suspect")]))).toEqual({ act: "ignore", reason: "known" });
  });

  test("a dead or left member that announces, or one at a new address, is contacted", () => {
    for (const state of ["dead", "left"] as const) {
      expect(judgeAnnouncement(heard, ctx([b(state)]))).toEqual({ act: "join", address: "10.77.0.12:4000" });
    }
    expect(judgeAnnouncement(heard, ctx([b("alive", "10.77.0.99")]))).toEqual({ act: "join", address: "10.77.0.12:4000" });
  });

  test("a loopback address from another host is refused; on the same host it is fine", () => {
    expect(judgeAnnouncement({ ...heard, host: "127.0.0.1" }, ctx())).toEqual({ act: "ignore", reason: "loopback" });
    expect(judgeAnnouncement({ ...heard, host: "127.0.0.1" }, ctx([], { sourceHost: "127.0.0.1" }))).toEqual({
      act: "join",
      address: "127.0.0.1:4000",
    });
  });

  test("isLoopbackHost", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "::ffff:127.0.0.1"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["10.0.0.1", "fd00::1", "n1", "0.0.0.0", "128.0.0.1"]) expect(isLoopbackHost(h)).toBe(false);
  });
});

describe("discoveryMode", () => {
  const base = { DISCOVERY: "auto" as const, SEEDS: [] as string[], advertise: "192.168.1.20" };
  test("auto: on without seeds for a node with a LAN address", () => {
    expect(discoveryMode(base)).toEqual({ enabled: true });
    expect(discoveryMode({ ...base, advertise: "n1" })).toEqual({ enabled: true });
  });
  test("off when asked, when seeded, or when the node only advertises loopback", () => {
    expect(discoveryMode({ ...base, DISCOVERY: "off" })).toMatchObject({ enabled: false, reason: "DISCOVERY=off" });
    expect(discoveryMode({ ...base, SEEDS: ["10.0.0.1:4000"] })).toMatchObject({ enabled: false, reason: "SEEDS are set" });
    expect(discoveryMode({ ...base, advertise: "127.0.0.1" })).toMatchObject({ enabled: false });
  });
});
