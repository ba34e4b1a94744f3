// A self-signed X.509 certificate for a node's client ports: an ECDSA P-256 key from node:crypto and a
// certificate written with the small DER writer (der.ts), valid for the node's names and addresses.
// Pure but for the key generation and the signature.
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { bitString, bool, explicit, integer, octetString, oid, sequence, set, time, tlv, utf8String } from "./der.ts";

export interface SelfSigned {
  certPem: string;
  keyPem: string;
}

const ECDSA_WITH_SHA256 = sequence(oid("1.2.840.10045.4.3.2"));

/** An IP address as the bytes subjectAltName's iPAddress carries (4 or 16). */
function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split(".").map(Number));
  const [head = "", tail = ""] = ip.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = ip.includes("::") ? groups(tail) : [];
  const all = [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** subjectAltName: dNSName [2] for names, iPAddress [7] for addresses. */
function altNames(names: readonly string[]): Buffer {
  const entries = names.map((n) => (isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, "ascii"))));
  return sequence(oid("2.5.29.17"), octetString(sequence(...entries)));
}

/**
 * A certificate for `names` (host names and IP addresses; the first is its common name), valid from a day ago
 * (clocks differ) for `days`, not a CA, for TLS servers only.
 */
export function selfSignedCertificate(names: readonly string[], days = 3650, now = new Date()): SelfSigned {
  if (names.length === 0) throw new Error("a certificate needs at least one name");
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const name = sequence(set(sequence(oid("2.5.4.3"), utf8String(names[0]!))), set(sequence(oid("2.5.4.10"), utf8String("Orrery node"))));
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const notBefore = new Date(now.getTime() - 86_400_000);
  const notAfter = new Date(now.getTime() + days * 86_400_000);
  const extensions = sequence(
    sequence(oid("2.5.29.19"), bool(true), octetString(sequence())), // basicConstraints: not a CA
    sequence(oid("2.5.29.15"), bool(true), octetString(tlv(0x03, Buffer.from([7, 0x80])))), // keyUsage: digitalSignature
    sequence(oid("2.5.29.37"), octetString(sequence(oid("1.3.6.1.5.5.7.3.1")))), // extKeyUsage: serverAuth
    sequence(oid("2.5.29.14"), octetString(octetString(createHash("sha1").update(spki).digest()))), // subjectKeyIdentifier
    altNames(names),
  );
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_WITH_SHA256,
    name, // issuer = subject: self-signed
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    explicit(3, extensions),
  );
  const signature = sign("sha256", tbs, privateKey); // DER-encoded ECDSA signature
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  const certPem = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----\n`;
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  new X509Certificate(certPem); // a certificate our own runtime cannot read must never reach a file
  return { certPem, keyPem };
}
