// Where the S3 access keys come from: the S3_* settings (validated by the config), or a pair
// generated once and kept in the data directory.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../config/index.ts";
import { CREDENTIALS_FILE, resolveCredentials } from "./credentials.ts";

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), "orrery-s3-creds-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("S3 settings", () => {
  test("S3_CREDENTIALS and S3_ACCESS_KEY/S3_SECRET_KEY parse; defaults leave S3_PORT unset", () => {
    const c = loadConfig({ S3_CREDENTIALS: "key1:secret-one, key2:se:cret-two", S3_ACCESS_KEY: "key3", S3_SECRET_KEY: "secret-three" });
    expect(c.S3_CREDENTIALS).toEqual([
      ["key1", "secret-one"],
      ["key2", "se:cret-two"],
    ]);
    expect([c.S3_ACCESS_KEY, c.S3_SECRET_KEY, c.S3_PORT, c.S3_REGION]).toEqual(["key3", "secret-three", undefined, "us-east-1"]);
    expect(loadConfig({ S3_PORT: "0" }).S3_PORT).toBe(0);
  });

  test("bad values name their variable", () => {
    const variable = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return "ok";
      } catch (err) {
        return (err as ConfigError).variable;
      }
    };
    expect(variable({ S3_CREDENTIALS: "no-secret" })).toBe("S3_CREDENTIALS");
    expect(variable({ S3_CREDENTIALS: "k:short" })).toBe("S3_CREDENTIALS");
    expect(variable({ S3_ACCESS_KEY: "key" })).toBe("S3_SECRET_KEY");
    expect(variable({ S3_SECRET_KEY: "long-enough" })).toBe("S3_ACCESS_KEY");
    expect(variable({ S3_ACCESS_KEY: "a/b", S3_SECRET_KEY: "long-enough" })).toBe("S3_ACCESS_KEY");
    expect(variable({ S3_PORT: "70000" })).toBe("S3_PORT");
  });
});

describe("resolving credentials", () => {
  test("configured keys win, and nothing is written", () => {
    const dir = freshDir();
    const r = resolveCredentials({ DATA_DIR: dir, S3_CREDENTIALS: [["a", "secret-aaa"]], S3_ACCESS_KEY: "b", S3_SECRET_KEY: "secret-bbb" });
    expect(r.source).toBe("config");
    expect([...r.credentials]).toEqual([
      ["a", "secret-aaa"],
      ["b", "secret-bbb"],
    ]);
    expect(() => statSync(join(dir, CREDENTIALS_FILE))).toThrow();
  });

  test("with none configured a pair is generated once, kept private, and read back", () => {
    const dir = freshDir();
    const first = resolveCredentials({ DATA_DIR: dir });
    expect(first.source).toBe("generated");
    const [[key, secret]] = [...first.credentials] as [[string, string]];
    expect(key).toMatch(/^[A-Z0-9]{20}$/);
    expect(secret).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(statSync(join(dir, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, CREDENTIALS_FILE), "utf8")).toBe(`${key}:${secret}\n`);
    const again = resolveCredentials({ DATA_DIR: dir });
    expect(again.source).toBe("file");
    expect([...again.credentials]).toEqual([[key, secret]]);
  });

  test("a damaged credentials file stops the start rather than being replaced", () => {
    const dir = freshDir();
    writeFileSync(join(dir, CREDENTIALS_FILE), "garbage\n");
    expect(() => resolveCredentials({ DATA_DIR: dir })).toThrow("not of the form");
  });
});
