// Sealed account secrets: they open only for the record they were sealed for, and only while the cluster key
// they were sealed under is held (a rotation that removed it ends them).
import { describe, expect, test } from "bun:test";
import { ClusterKey } from "../security/cluster-key.ts";
import { Keyring } from "../security/keyring.ts";
import { TEST_KEY } from "../security/test-keys.ts";
import { SecretSeal } from "./secret-seal.ts";

describe("SecretSeal", () => {
  test("opens what it sealed for the same record only; an altered or foreign seal opens nothing", () => {
    const seal = new SecretSeal(Keyring.of(TEST_KEY));
    const sealed = seal.seal("the secret key", "ORUAAAAAAAAAAAAAAAAA");
    expect(sealed).toStartWith(`${TEST_KEY.id}.`);
    expect(sealed).not.toContain("the secret");
    expect(seal.open(sealed, "ORUAAAAAAAAAAAAAAAAA")).toBe("the secret key");
    expect(seal.open(sealed, "ORUBBBBBBBBBBBBBBBBB")).toBeUndefined(); // moved to another record
    // The second-to-last character changed (it was compared with the last one before: a seal whose second-to-last
    // character was already "A" and last was not, one in 64 with the random nonce, came back unchanged).
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === "A" ? "B" : "A") + sealed.slice(-1);
    expect(flipped).not.toBe(sealed);
    expect(seal.open(flipped, "ORUAAAAAAAAAAAAAAAAA")).toBeUndefined();
    const other = new SecretSeal(Keyring.of(new ClusterKey("another-cluster-key-0123456789-abcdefgh")));
    expect(other.open(sealed, "ORUAAAAAAAAAAAAAAAAA")).toBeUndefined();
  });

  test("after a rotation switched keys, seals made under the old key open while it is held, and not once it is removed", () => {
    const ring = Keyring.of(TEST_KEY);
    const seal = new SecretSeal(ring);
    const old = seal.seal("s", "k");
    const next = ring.install("the-next-cluster-key-0123456789-abcdefgh");
    ring.use(next.id);
    expect(seal.seal("s", "k")).toStartWith(`${next.id}.`);
    expect(seal.open(old, "k")).toBe("s");
    ring.remove(TEST_KEY.id);
    expect(seal.open(old, "k")).toBeUndefined();
  });
});
