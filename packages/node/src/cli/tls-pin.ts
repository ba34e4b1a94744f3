// Trust on first use for a node's HTTPS certificate, as SSH does for host keys: the first connection shows
// the certificate's SHA-256 fingerprint and keeps it (host:port → fingerprint and certificate, in the user's
// config dir, `orrery/known_nodes.json`) once it is accepted (--accept-fingerprint, ORRERY_TLS_FINGERPRINT, or
// a yes at the terminal); every later connection must present that certificate, or the CLI refuses.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { connect, rootCertificates, type PeerCertificate } from "node:tls";
import { isIP } from "node:net";
import { dirname, join } from "node:path";
import { z } from "zod";
import { readConfigFile, writeConfigFile } from "./config-file.ts";
import { credentialsPath } from "./credentials.ts";
import { CliError, ExitCode, UsageError } from "./errors.ts";

const pinSchema = z.object({ fingerprint: z.string().regex(/^[0-9a-f]{64}$/), cert: z.string() });
const storeSchema = z.object({ nodes: z.record(z.string(), pinSchema) });
type Pin = z.infer<typeof pinSchema>;

/** `orrery/known_nodes.json` beside the credentials file. */
export const knownNodesPath = (env: Record<string, string | undefined>) => join(dirname(credentialsPath(env)), "known_nodes.json");

/** A fingerprint as typed (`AB:CD:…`, `abcd…`, `SHA256:AB:…`) → 64 lower-case hex digits, or undefined. */
export function normalFingerprint(raw: string): string | undefined {
  const hex = raw.trim().replace(/^sha-?256:/i, "").replace(/:/g, "").toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

/**
 * The fingerprint the user accepts: --accept-fingerprint, else that of the certificate in --tls-cert (a node's
 * own `DATA_DIR/tls/cert.pem`, for a health check on the node's host), else the same from the environment.
 */
export function acceptedFingerprint(args: { acceptFingerprint?: string; tlsCert?: string }, env: Record<string, string | undefined>): string | undefined {
  if (args.acceptFingerprint !== undefined) return args.acceptFingerprint;
  const file = args.tlsCert ?? (env.ORRERY_TLS_CERT || undefined);
  if (file !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(file, "utf8");
    } catch (err) {
      throw new CliError(ExitCode.local, `cannot read the certificate ${file}: ${(err as Error).message}`);
    }
    try {
      return new X509Certificate(pem).fingerprint256;
    } catch {
      throw new CliError(ExitCode.local, `${file} holds no PEM certificate`);
    }
  }
  return env.ORRERY_TLS_FINGERPRINT || undefined;
}

/** 64 hex digits → `AB:CD:…`, as the node prints it. */
const shown = (hex: string) => hex.toUpperCase().match(/../g)!.join(":");

const pemOf = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----\n`;

/** What fetch takes as `tls`: the pinned certificate trusted, and only a certificate with its fingerprint accepted. */
export interface FetchTls {
  ca: string[];
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

export interface PinInit {
  /** The fingerprint the user accepts (--accept-fingerprint or ORRERY_TLS_FINGERPRINT). */
  accept?: string;
  env: Record<string, string | undefined>;
  /** Asks the user whether to trust a fingerprint; absent: not interactive, so refuse. */
  ask?: (question: string) => Promise<boolean>;
  /** Where notes go (stderr). */
  note: (line: string) => void;
}

export class TlsPinning {
  private pinned: Promise<Pin> | undefined;
  private readonly host: string;
  private readonly port: number;
  private readonly accept: string | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly init: PinInit,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(url.port || 443);
    const raw = init.accept;
    this.accept = raw === undefined ? undefined : normalFingerprint(raw);
    if (raw !== undefined && this.accept === undefined) throw new UsageError(`--accept-fingerprint is a SHA-256 fingerprint (64 hex digits, colons allowed), got '${raw}'`);
  }

  private get key(): string {
    return `${this.host}:${this.port}`;
  }

  /** The `tls` option of every request: resolved once (the first use asks the node for its certificate). */
  async fetchOptions(): Promise<FetchTls> {
    this.pinned ??= this.resolve();
    const pin = await this.pinned;
    return {
      // The pinned certificate as the trust anchor (a self-signed one is its own), the usual roots for one a CA signed.
      ca: [pin.cert, ...rootCertificates],
      // The pin replaces the name check: a node reached by an address its certificate does not name is still that node.
      checkServerIdentity: (_host, cert) => (normalFingerprint(cert.fingerprint256 ?? "") === pin.fingerprint ? undefined : new Error("certificate_changed")),
    };
  }

  /** After a failed request: a CliError saying the node's certificate is not the pinned one, if that is why. */
  async explain(): Promise<CliError | undefined> {
    const pin = await this.pinned?.catch(() => undefined);
    if (!pin) return undefined;
    const now = await this.probe().catch(() => undefined);
    if (!now || now.fingerprint === pin.fingerprint) return undefined;
    return new CliError(
      ExitCode.untrusted,
      `the node at ${this.baseUrl} presents a certificate other than the one pinned for it: refusing to talk to it.\n` +
        `  pinned:   ${shown(pin.fingerprint)}\n  now:      ${shown(now.fingerprint)}\n` +
        `If the node's certificate was changed on purpose (check what it printed at start), accept the new one with\n` +
        `  --accept-fingerprint ${shown(now.fingerprint)}   (or remove ${this.key} from ${knownNodesPath(this.init.env)})`,
      "certificate_changed",
    );
  }

  private async resolve(): Promise<Pin> {
    const held = readStore(this.init.env).nodes[this.key];
    if (held && (this.accept === undefined || this.accept === held.fingerprint)) return held;
    // Not pinned yet, or the user accepts another fingerprint (a certificate changed on purpose).
    const now = await this.probe();
    if (held && now.fingerprint === held.fingerprint) return held;
    if (this.accept !== undefined) {
      if (now.fingerprint !== this.accept) {
        throw new CliError(
          ExitCode.untrusted,
          `the node at ${this.baseUrl} presents the certificate ${shown(now.fingerprint)}, not the one you accepted (${shown(this.accept)}): refusing`,
          "certificate_mismatch",
        );
      }
    } else {
      const question = `The node at ${this.baseUrl} presents a certificate not seen before; its SHA-256 fingerprint is\n  ${shown(now.fingerprint)}\nCompare it with the fingerprint the node printed at start. Trust it?`;
      if (!this.init.ask || !(await this.init.ask(question))) {
        throw new CliError(
          ExitCode.untrusted,
          `the node at ${this.baseUrl} presents a certificate not seen before, SHA-256 ${shown(now.fingerprint)}.\n` +
            `Compare it with the fingerprint the node printed at start, then accept it with --accept-fingerprint ${shown(now.fingerprint)} (or ORRERY_TLS_FINGERPRINT)`,
          "unknown_certificate",
        );
      }
    }
    const path = savePin(this.init.env, this.key, now);
    this.init.note(`orrery: pinned the certificate of ${this.key} (SHA-256 ${shown(now.fingerprint)}) in ${path}`);
    return now;
  }

  /** The certificate the node presents now (read without trusting it: only its fingerprint is used). */
  private probe(): Promise<Pin> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, rejectUnauthorized: false, ...(isIP(this.host) ? {} : { servername: this.host }) }, () => {
        const cert = socket.getPeerCertificate();
        socket.destroy();
        if (!cert?.raw) return reject(new CliError(ExitCode.untrusted, `the node at ${this.baseUrl} presented no certificate`));
        resolve({ fingerprint: normalFingerprint(cert.fingerprint256)!, cert: pemOf(cert.raw) });
      });
      socket.setTimeout(10_000, () => socket.destroy(new Error("timed out")));
      socket.once("error", (err) => reject(new CliError(ExitCode.unreachable, `cannot reach the node at ${this.baseUrl}: ${err.message}`)));
    });
  }
}

function readStore(env: Record<string, string | undefined>): z.infer<typeof storeSchema> {
  return readConfigFile(knownNodesPath(env), storeSchema, { nodes: {} }, "an orrery known-nodes file (pinned certificates are then asked for again)");
}

function savePin(env: Record<string, string | undefined>, key: string, pin: Pin): string {
  const path = knownNodesPath(env);
  const store = readStore(env);
  store.nodes[key] = pin;
  writeConfigFile(path, store);
  return path;
}

/** Asks on the terminal (stderr), when stdin and stderr are both terminals. */
export function terminalQuestion(): ((question: string) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  };
}
