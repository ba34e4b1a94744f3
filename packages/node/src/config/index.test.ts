import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "./index.ts";

describe("ALLOWED_HOSTS", () => {
  test("comma-separated names and *. wildcards, trimmed and lower-cased; none by default", () => {
    expect(loadConfig({}).ALLOWED_HOSTS).toEqual([]);
    expect(loadConfig({ ALLOWED_HOSTS: " NAS.home.arpa, *.example.com ,orrery_n1,," }).ALLOWED_HOSTS).toEqual(["nas.home.arpa", "*.example.com", "orrery_n1"]);
    expect(loadConfig({}, ["--allowed-hosts", "*"]).ALLOWED_HOSTS).toEqual(["*"]);
  });

  test("a port, a URL or a misplaced wildcard is a ConfigError naming the variable", () => {
    for (const bad of ["nas.local:3000", "http://nas.local", "a.*.example.com", "*example.com", "nas..local", "-nas"]) {
      let err: unknown;
      try {
        loadConfig({ ALLOWED_HOSTS: bad });
      } catch (e) {
        err = e;
      }
      expect({ bad, err: err instanceof ConfigError && err.variable }).toEqual({ bad, err: "ALLOWED_HOSTS" });
    }
  });
});
