import { describe, expect, test } from "bun:test";
import { SigningKeys } from "./signing-keys.ts";
import { signingKey } from "./sigv4.ts";

describe("SigningKeys", () => {
  test("a scope's key is derived once and is the SigV4 signing key", () => {
    const keys = new SigningKeys();
    const first = keys.get("secret-a", "20261207", "us-east-1", "s3");
    expect(first.equals(signingKey("secret-a", "20261207", "us-east-1", "s3"))).toBe(true);
    // The same Buffer: kept, not derived again (four HMACs per request otherwise).
    expect(keys.get("secret-a", "20261207", "us-east-1", "s3")).toBe(first);
    expect(keys.size).toBe(1);
  });

  test("another secret, date or region is another key: a changed secret never signs with the old one", () => {
    const keys = new SigningKeys();
    const base = keys.get("secret-a", "20261207", "us-east-1", "s3");
    for (const [secret, date, region] of [["secret-b", "20261207", "us-east-1"], ["secret-a", "20261208", "us-east-1"], ["secret-a", "20261207", "eu-west-1"]] as const) {
      const other = keys.get(secret, date, region, "s3");
      expect(other.equals(signingKey(secret, date, region, "s3"))).toBe(true);
      expect(other.equals(base)).toBe(false);
    }
    expect(keys.size).toBe(4);
  });

  test("bounded: past its size the oldest scope goes first", () => {
    const keys = new SigningKeys(2);
    const day1 = keys.get("s", "20261201", "r", "s3");
    const day2 = keys.get("s", "20261202", "r", "s3");
    keys.get("s", "20261203", "r", "s3");
    expect(keys.size).toBe(2);
    expect(keys.get("s", "20261202", "r", "s3")).toBe(day2);
    const again = keys.get("s", "20261201", "r", "s3");
    expect(again).not.toBe(day1); // derived anew
    expect(again.equals(day1)).toBe(true);
  });
});
