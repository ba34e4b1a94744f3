// The certificate a node serves its client ports with: TLS_CERT/TLS_KEY when given, else its own
// self-signed one, made at first start and kept in DATA_DIR/tls so that its fingerprint (what clients pin,
// like SSH host keys) stays the same across restarts.
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Config } from "../config/index.ts";
import { selfSignedCertificate } from "./self-signed.ts";

export interface ServedCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the certificate (DER), colon-separated upper-case hex, as browsers and openssl show it. */
  fingerprint: string;
  source: "files" | "self-signed, made now" | "self-signed";
  /** Where the self-signed pair is kept. */
  dir?: string;
}

export const TLS_DIR = "tls";

/** The names a self-signed certificate is made for: every way a client on the LAN may reach the node. */
export function certificateNames(config: Pick<Config, "advertise" | "BIND_ADDRESS" | "ALLOWED_HOSTS">, host = hostname()): string[] {
  const wild = (n: string) => n.includes("*");
  const names = [config.advertise, config.BIND_ADDRESS, host, `${host}.local`, "localhost", "127.0.0.1", "::1", ...config.ALLOWED_HOSTS];
  return [...new Set(names.filter((n) => n !== "" && n !== "0.0.0.0" && n !== "::" && !wild(n)))];
}

/** The SHA-256 fingerprint of a PEM certificate (the first of a chain). */
export const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

/** The certificate to serve, or undefined when TLS is off. Makes and keeps the self-signed pair when there is none. */
export function servedCertificate(config: Pick<Config, "tls" | "DATA_DIR" | "advertise" | "BIND_ADDRESS" | "ALLOWED_HOSTS">): ServedCertificate | undefined {
  const choice = config.tls;
  if (choice.mode === "off") return undefined;
  if (choice.mode === "files") return { cert: choice.cert, key: choice.key, fingerprint: fingerprintOf(choice.cert), source: "files" };
  const dir = join(config.DATA_DIR, TLS_DIR);
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, "utf8");
    return { cert, key: readFileSync(keyFile, "utf8"), fingerprint: fingerprintOf(cert), source: "self-signed", dir };
  }
  const made = selfSignedCertificate(certificateNames(config));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The key first and each by rename: a crash leaves no certificate without its key.
  writeAtomically(keyFile, made.keyPem, 0o600);
  writeAtomically(certFile, made.certPem, 0o644);
  return { cert: made.certPem, key: made.keyPem, fingerprint: fingerprintOf(made.certPem), source: "self-signed, made now", dir };
}

function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}
