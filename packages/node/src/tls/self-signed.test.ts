import { describe, expect, test } from "bun:test";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { certificateNames } from "./node-tls.ts";
import { selfSignedCertificate } from "./self-signed.ts";

describe("selfSignedCertificate", () => {
  test("an ECDSA P-256 certificate signed by its own key, for every name and address given, not a CA", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const { certPem, keyPem } = selfSignedCertificate(["nas.local", "192.168.1.20", "fe80::1", "::1"], 3650, now);
    const x = new X509Certificate(certPem);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(x.subject).toContain("CN=nas.local");
    expect(x.subjectAltName).toBe("DNS:nas.local, IP Address:192.168.1.20, IP Address:FE80:0:0:0:0:0:0:1, IP Address:0:0:0:0:0:0:0:1");
    expect(x.ca).toBe(false);
    expect(new Date(x.validFrom).getTime()).toBe(now.getTime() - 86_400_000);
    // From 2050 on, GeneralizedTime (RFC 5280): a ten-year certificate made in 2045 still reads right.
    expect(new Date(x.validTo).getTime()).toBe(now.getTime() + 3650 * 86_400_000);
    const late = new X509Certificate(selfSignedCertificate(["a"], 3650, new Date("2045-06-01T00:00:00Z")).certPem);
    expect(new Date(late.validTo).getUTCFullYear()).toBe(2055);
  });

  test("two certificates never share a key or a serial", () => {
    const a = new X509Certificate(selfSignedCertificate(["a"]).certPem);
    const b = new X509Certificate(selfSignedCertificate(["a"]).certPem);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(a.fingerprint256).not.toBe(b.fingerprint256);
  });
});

describe("certificateNames", () => {
  test("the advertised and bound addresses, the host's names and loopback; no wildcard, no unspecified address", () => {
    const names = certificateNames({ advertise: "192.168.1.20", BIND_ADDRESS: "0.0.0.0", ALLOWED_HOSTS: ["nas.home.arpa", "*.example.com"] }, "box");
    expect(names).toEqual(["192.168.1.20", "box", "box.local", "localhost", "127.0.0.1", "::1", "nas.home.arpa"]);
  });
});
