import { describe, expect, test } from "bun:test";
import { MAX_WEIGHT } from "../membership/messages.ts";
import { DEFAULT_VNODES_PER_MEMBER } from "../ring/ring.ts";
import { ConfigError, loadConfig } from "./index.ts";

/** The variable a ConfigError names for this environment, or undefined when it loads. */
const variableOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    return e instanceof ConfigError ? e.variable : String(e);
  }
  return undefined;
};

describe("ALLOWED_HOSTS", () => {
  test("comma-separated names and *. wildcards, trimmed and lower-cased; none by default", () => {
    expect(loadConfig({}).ALLOWED_HOSTS).toEqual([]);
    expect(loadConfig({ ALLOWED_HOSTS: " NAS.home.arpa, *.example.com ,orrery_n1,," }).ALLOWED_HOSTS).toEqual(["nas.home.arpa", "*.example.com", "orrery_n1"]);
    expect(loadConfig({}, ["--allowed-hosts", "*"]).ALLOWED_HOSTS).toEqual(["*"]);
  });

  test("a port, a URL or a misplaced wildcard is a ConfigError naming the variable", () => {
    for (const bad of ["nas.local:3000", "http://nas.local", "a.*.example.com", "*example.com", "nas..local", "-nas"]) {
      expect({ bad, variable: variableOf({ ALLOWED_HOSTS: bad }) }).toEqual({ bad, variable: "ALLOWED_HOSTS" });
    }
  });
});

describe("capacity settings", () => {
  test("CAPACITY_GB within the wire format's weight bound, STORAGE on or off, VNODES defaulting to the ring's", () => {
    const c = loadConfig({});
    expect([c.STORAGE, c.CAPACITY_GB, c.VNODES]).toEqual(["on", undefined, DEFAULT_VNODES_PER_MEMBER]);
    expect(loadConfig({ CAPACITY_GB: "2000", STORAGE: "off" })).toMatchObject({ CAPACITY_GB: 2000, STORAGE: "off" });
    expect(loadConfig({ CAPACITY_GB: String(MAX_WEIGHT) }).CAPACITY_GB).toBe(MAX_WEIGHT);
    for (const [variable, value] of [["CAPACITY_GB", "0"], ["CAPACITY_GB", String(MAX_WEIGHT * 2)], ["CAPACITY_GB", "lots"], ["STORAGE", "no"]] as const) {
      expect(() => loadConfig({ [variable]: value })).toThrow(`invalid ${variable}`);
    }
  });
});

describe("DEAD_MEMBER_TIMEOUT", () => {
  test("seconds, or a number with a unit; 7 days by default; milliseconds once parsed", () => {
    expect(loadConfig({}).DEAD_MEMBER_TIMEOUT).toBe(7 * 86_400_000);
    expect(loadConfig({ DEAD_MEMBER_TIMEOUT: "604800" }).DEAD_MEMBER_TIMEOUT).toBe(604_800_000);
    expect(loadConfig({ DEAD_MEMBER_TIMEOUT: "90s" }).DEAD_MEMBER_TIMEOUT).toBe(90_000);
    expect(loadConfig({ DEAD_MEMBER_TIMEOUT: "30m" }).DEAD_MEMBER_TIMEOUT).toBe(1_800_000);
    expect(loadConfig({ DEAD_MEMBER_TIMEOUT: "12h" }).DEAD_MEMBER_TIMEOUT).toBe(43_200_000);
    expect(loadConfig({}, ["--dead-member-timeout", "1.5d"]).DEAD_MEMBER_TIMEOUT).toBe(129_600_000);
    expect(loadConfig({ DEAD_MEMBER_TIMEOUT: "2500ms" }).DEAD_MEMBER_TIMEOUT).toBe(2500);
  });

  test("anything else, or less than a second, is a ConfigError naming the variable", () => {
    for (const bad of ["7 days", "-5", "1w", "d", "500ms", "0"]) {
      expect({ bad, variable: variableOf({ DEAD_MEMBER_TIMEOUT: bad }) }).toEqual({ bad, variable: "DEAD_MEMBER_TIMEOUT" });
    }
  });
});

describe("TLS", () => {

  test("auto: HTTPS (self-signed) when the node binds beyond loopback, plain HTTP on loopback; on and off say so", () => {
    expect(loadConfig({}).tls).toEqual({ mode: "off" });
    expect(loadConfig({ BIND_ADDRESS: "0.0.0.0" }).tls).toEqual({ mode: "self-signed" });
    expect(loadConfig({ BIND_ADDRESS: "192.168.1.20" }).tls).toEqual({ mode: "self-signed" });
    expect(loadConfig({ TLS: "on" }).tls).toEqual({ mode: "self-signed" });
    expect(loadConfig({ BIND_ADDRESS: "0.0.0.0", TLS: "off" }).tls).toEqual({ mode: "off" });
  });

  test("TLS_CERT without TLS_KEY, or with TLS=off, or a mode that is not one, is a ConfigError naming the variable", () => {
    expect(variableOf({ TLS_CERT: "/x.pem" })).toBe("TLS_KEY");
    expect(variableOf({ TLS_KEY: "/x.pem" })).toBe("TLS_CERT");
    expect(variableOf({ TLS: "off", TLS_CERT: "/x.pem", TLS_KEY: "/y.pem" })).toBe("TLS");
    expect(variableOf({ TLS: "yes" })).toBe("TLS");
    expect(variableOf({ TLS_CERT: "/nonexistent/cert.pem", TLS_KEY: "/nonexistent/key.pem" })).toBe("TLS_CERT");
  });
});

describe("JIT_POLICY", () => {
  test("the JIT is 10 times as reluctant by default (an idle node stops compiling); 1 is the engine's own policy", () => {
    expect(loadConfig({}).JIT_POLICY).toBe(10);
    expect(loadConfig({ JIT_POLICY: "1" }).JIT_POLICY).toBe(1);
    expect(loadConfig({ JIT_POLICY: "2.5" }).JIT_POLICY).toBe(2.5);
  });

  test("below 1, or not a number, is a ConfigError naming the variable", () => {
    for (const bad of ["0", "0.5", "-3", "fast", "1001"]) {
      expect({ bad, variable: variableOf({ JIT_POLICY: bad }) }).toEqual({ bad, variable: "JIT_POLICY" });
    }
  });
});
