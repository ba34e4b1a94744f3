// Signed admin requests and sealed secrets.
import { describe, expect, test } from "bun:test";
import { AdminVerifier, openSecret, sealSecret, signAdminRequest } from "./admin-auth.ts";
import { ClusterKey } from "./cluster-key.ts";
import { Keyring } from "./keyring.ts";

const key = new ClusterKey("admin-auth-test-key-0123456789abcdefghij");
const body = new TextEncoder().encode('{"keyId":"0011223344556677"}');

describe("admin credentials", () => {
  test("a signature covers method, path, body and time, and works once", () => {
    let now = 5_000_000;
    const v = new AdminVerifier(Keyring.of(key), () => now);
    const header = signAdminRequest(key, "POST", "/api/cluster/keys/use", body, now);
    expect(v.verify(header, "POST", "/api/cluster/keys/use", body).ok).toBe(true);
    expect(v.verify(header, "POST", "/api/cluster/keys/use", body)).toEqual({ ok: false, reason: "replayed request" });
    const fresh = () => signAdminRequest(key, "POST", "/api/cluster/keys/use", body, now);
    expect(v.verify(fresh(), "DELETE", "/api/cluster/keys/use", body).ok).toBe(false);
    expect(v.verify(fresh(), "POST", "/api/cluster/keys/remove", body).ok).toBe(false);
    expect(v.verify(fresh(), "POST", "/api/cluster/keys/use", new TextEncoder().encode("{}")).ok).toBe(false);
    expect(v.verify(undefined, "POST", "/x", body)).toEqual({ ok: false, reason: "no admin credential" });
    expect(v.verify("Bearer abc", "POST", "/x", body).ok).toBe(false);
    const late = fresh();
    now += 6 * 60_000;
    expect(v.verify(late, "POST", "/api/cluster/keys/use", body)).toMatchObject({ ok: false, reason: expect.stringContaining("timestamp") });
    const stranger = new ClusterKey("stranger-key-0123456789abcdefghijklmnop");
    expect(v.verify(signAdminRequest(stranger, "POST", "/x", body, now), "POST", "/x", body)).toMatchObject({ ok: false, reason: expect.stringContaining("does not hold") });
  });

  test("a sealed secret opens only under the key that sealed it, and not once altered", () => {
    const sealed = sealSecret(key, "the-new-cluster-key-0123456789abcdefgh");
    expect(sealed).not.toContain("the-new");
    expect(openSecret(key, sealed)).toBe("the-new-cluster-key-0123456789abcdefgh");
    expect(openSecret(new ClusterKey("another-key-entirely-0123456789abcdefgh"), sealed)).toBeUndefined();
    const bytes = Buffer.from(sealed, "base64url");
    bytes[20]! ^= 1;
    expect(openSecret(key, bytes.toString("base64url"))).toBeUndefined();
  });
});
