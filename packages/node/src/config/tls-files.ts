// TLS of the client ports as configured: off, on with the PEM pair TLS_CERT/TLS_KEY (read and checked here,
// so a wrong file is a ConfigError naming its variable: exit 2), or on with the node's self-signed certificate.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { isLoopbackHost } from "../util/loopback.ts";
import { ConfigError } from "./index.ts";

export type TlsChoice =
  | { mode: "off" }
  | { mode: "files"; cert: string; key: string }
  /** A certificate of the node's own, made at first start in DATA_DIR (tls/node-tls.ts). */
  | { mode: "self-signed" };

interface TlsVars {
  TLS: "auto" | "on" | "off";
  TLS_CERT?: string;
  TLS_KEY?: string;
  BIND_ADDRESS: string;
}

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(variable, `cannot read ${path}: ${(err as Error).message}`);
  }
}

/** The choice TLS, TLS_CERT and TLS_KEY make; "auto" is on when BIND_ADDRESS is not loopback. */
export function tlsChoiceOf(c: TlsVars): TlsChoice {
  if ((c.TLS_CERT === undefined) !== (c.TLS_KEY === undefined)) {
    throw new ConfigError(c.TLS_CERT === undefined ? "TLS_CERT" : "TLS_KEY", "TLS_CERT and TLS_KEY go together");
  }
  if (c.TLS === "off") {
    if (c.TLS_CERT !== undefined) throw new ConfigError("TLS", "TLS=off with TLS_CERT/TLS_KEY: unset one or the other");
    return { mode: "off" };
  }
  if (c.TLS_CERT === undefined || c.TLS_KEY === undefined) {
    return c.TLS === "on" || !isLoopbackHost(c.BIND_ADDRESS) ? { mode: "self-signed" } : { mode: "off" };
  }
  const cert = readPem("TLS_CERT", c.TLS_CERT);
  const key = readPem("TLS_KEY", c.TLS_KEY);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new ConfigError("TLS_CERT", `${c.TLS_CERT} holds no PEM certificate: ${(err as Error).message}`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new ConfigError("TLS_KEY", `${c.TLS_KEY} holds no PEM private key: ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new ConfigError("TLS_KEY", `${c.TLS_KEY} is not the private key of the certificate in ${c.TLS_CERT}`);
  return { mode: "files", cert, key };
}
