// The access keys the S3 API accepts: S3_CREDENTIALS and/or S3_ACCESS_KEY + S3_SECRET_KEY; when none
// is configured, one key pair generated at first start, kept in DATA_DIR/s3-credentials (mode 0600).
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Access key → secret key (a Map, or the config's and the users' keys together: s3/access.ts). */
export type CredentialStore = Pick<ReadonlyMap<string, string>, "get">;

export interface S3CredentialConfig {
  DATA_DIR: string;
  S3_ACCESS_KEY?: string;
  S3_SECRET_KEY?: string;
  S3_CREDENTIALS?: Array<[string, string]>;
}

export interface ResolvedCredentials {
  credentials: ReadonlyMap<string, string>;
  /** Where they came from, for the start-up log line. */
  source: "config" | "file" | "generated";
  file?: string;
}

export const CREDENTIALS_FILE = "s3-credentials";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** 20 characters like an AWS access key id, and a 40-character secret. */
export function generateKeyPair(): [string, string] {
  const id = [...randomBytes(17)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join("");
  const secret = randomBytes(30).toString("base64").replace(/\+/g, "A").replace(/\//g, "B");
  return [`ORR${id}`, secret];
}

/** The file holds one `access_key:secret_key` line. */
export function parseCredentialsFile(text: string): [string, string] | undefined {
  const line = text.trim();
  const colon = line.indexOf(":");
  if (colon <= 0 || colon === line.length - 1) return undefined;
  return [line.slice(0, colon), line.slice(colon + 1)];
}

export function resolveCredentials(config: S3CredentialConfig): ResolvedCredentials {
  const configured = new Map<string, string>(config.S3_CREDENTIALS ?? []);
  if (config.S3_ACCESS_KEY !== undefined && config.S3_SECRET_KEY !== undefined) {
    configured.set(config.S3_ACCESS_KEY, config.S3_SECRET_KEY);
  }
  if (configured.size > 0) return { credentials: configured, source: "config" };

  const file = join(config.DATA_DIR, CREDENTIALS_FILE);
  if (existsSync(file)) {
    const pair = parseCredentialsFile(readFileSync(file, "utf8"));
    if (!pair) throw new Error(`${file} is not of the form access_key:secret_key; fix or delete it`);
    return { credentials: new Map([pair]), source: "file", file };
  }
  const pair = generateKeyPair();
  writeFileSync(file, `${pair[0]}:${pair[1]}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // in case a umask or an existing file kept wider permissions
  return { credentials: new Map([pair]), source: "generated", file };
}
