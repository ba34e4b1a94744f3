// Env vars and command-line flags -> one typed, zod-validated config.
// Flags win over env vars; an invalid value is a ConfigError naming the variable (main exits 2).
import { readFileSync } from "node:fs";
import { z } from "zod";
import { CLUSTER_KEY_PATTERN, CLUSTER_KEY_RULE } from "../security/cluster-key.ts";
import { MAX_CHUNK_SIZE_MIB } from "../store/chunk-storage.ts";
import { DEFAULT_AUDIT_KEEP, MAX_AUDIT_KEEP } from "../audit/records.ts";
import { isNodeId, NODE_ID_RULE } from "../util/node-id.ts";
import { durationMs } from "./duration.ts";
import { pickLanAddress } from "./lan-address.ts";
import { type TlsChoice, tlsChoiceOf } from "./tls-files.ts";

const port = z.coerce.number().int().min(0).max(65535);
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, "expected host:port");
// No '/' (it would break the credential scope), ':' or ',' (the S3_CREDENTIALS separators).
const s3AccessKey = z.string().regex(/^[A-Za-z0-9._~+=@-]{3,128}$/, "an access key is 3-128 letters, digits or ._~+=@-");
const s3SecretKey = z.string().regex(/^[\x21-\x2b\x2d-\x7e]{8,128}$/, "a secret key is 8-128 printable ASCII characters, no ',' or spaces");
// A host name of ALLOWED_HOSTS: DNS labels (underscores too, as container names have), optionally
// "*." in front for every name below; no port (the node answers its names on any port).
const allowedHost = z
  .string()
  .max(253)
  .regex(/^(\*|(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)$/, "expected host names such as nas.home.arpa or *.example.com, without a port");
const isMulticastV4 = (s: string) => {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255) && Number(parts[0]) >= 224 && Number(parts[0]) <= 239;
};

export const configSchema = z.object({
  NODE_ID: z.string().refine(isNodeId, NODE_ID_RULE).optional(),
  DATA_DIR: z.string().min(1).default("./.orrery-data"),
  BIND_ADDRESS: z.string().min(1).default("127.0.0.1"),
  /** Address other nodes use to reach this one (defaults to BIND_ADDRESS; when binding 0.0.0.0, the LAN IPv4 address). */
  ADVERTISE_ADDRESS: z.string().min(1).optional(),
  HTTP_PORT: port.default(3000),
  /**
   * More Host names the HTTP port answers besides IP addresses, localhost, this machine's hostname and
   * BIND/ADVERTISE_ADDRESS (a guard against DNS rebinding): `nas.home.arpa,*.example.com`; `*` allows any.
   */
  ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((s) => s.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(allowedHost)),
  GOSSIP_PORT: port.default(4000),
  TRANSFER_PORT: port.default(5000),
  SEEDS: z
    .string()
    .default("")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(hostPort)),
  /**
   * The shared secret of the cluster: every gossip datagram, discovery announcement and node-to-node
   * connection proves it. Unset (and no CLUSTER_KEY_FILE): the key in DATA_DIR, generated at first start.
   */
  CLUSTER_KEY: z.string().regex(CLUSTER_KEY_PATTERN, CLUSTER_KEY_RULE).optional(),
  /** A file holding the cluster key (its first line), instead of CLUSTER_KEY. */
  CLUSTER_KEY_FILE: z.string().min(1).optional(),
  /** Node-to-node records are encrypted when this node or the peer is not on loopback; "always" also on loopback. */
  PEER_ENCRYPTION: z.enum(["auto", "always"]).default("auto"),
  /** AES-256-GCM of peer records: libcrypto in place through bun:ffi when it loads ("auto"), or node:crypto. */
  PEER_CIPHER: z.enum(["auto", "libcrypto", "node"]).default("auto"),
  DIRECT_IO: z.enum(["auto", "off"]).default("auto"),
  /**
   * Soft limit on the node's resident memory (MiB) while files stream through it: above it, a full garbage
   * collection is asked for, spaced so it costs at most 4 % of a core (util/memory-governor.ts). 0 turns this off.
   */
  MEMORY_LIMIT_MB: z.coerce.number().int().min(0).max(1_048_576).default(128),
  /**
   * How reluctant JavaScriptCore's JIT is to compile while the node is idle (Bun.unsafe.setJITPolicy: its tier-up
   * thresholds times this; 1 is the engine's normal policy, and the one a node serving requests runs with:
   * util/jit-governor.ts). An idle node runs its gossip and background code a few times a second, and at 1 the JIT
   * kept compiling it for minutes.
   */
  JIT_POLICY: z.coerce.number().min(1).max(1000).default(10),
  /**
   * Chunk buffers of all uploads through this node together (MiB): an upload past it waits, unread, for
   * another's chunk to be placed. One chunk is always let through, whatever its size.
   */
  UPLOAD_MEMORY_MB: z.coerce.number().int().min(1).max(1_048_576).default(32),
  /** Peer calls: TCP connect + handshake; calls that move data (chunks, sync pages); small control calls. */
  PEER_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(5000),
  PEER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(50).max(3_600_000).default(30_000),
  PEER_CONTROL_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(5000),
  /**
   * How far apart clocks may be: a version further ahead of this node's clock is refused, and a node whose
   * clock is further from most peers' refuses writes (CockroachDB's max-offset).
   */
  MAX_CLOCK_OFFSET_MS: z.coerce.number().int().min(10).max(3_600_000).default(500),
  /** Most members a node tracks; gossip about more is ignored. */
  MAX_MEMBERS: z.coerce.number().int().min(3).max(100_000).default(4096),
  /** Nodes join only members of the same cluster name, in gossip and in LAN discovery. */
  CLUSTER_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "1-64 letters, digits, '.', '_' or '-'").default("orrery"),
  /** LAN discovery: "auto" announces and listens when SEEDS is empty and the node has a LAN address. */
  DISCOVERY: z.enum(["auto", "off"]).default("auto"),
  DISCOVERY_PORT: port.min(1).default(4007),
  DISCOVERY_GROUP: z.string().refine(isMulticastV4, "expected an IPv4 multicast address (224.0.0.0-239.255.255.255)").default("239.255.77.77"),
  REPLICATION_FACTOR: z.coerce.number().int().min(1).max(16).default(3),
  /** The chunk size of new files (MiB) until the cluster has a live chunk size setting. */
  CHUNK_SIZE_MB: z.coerce.number().positive().max(MAX_CHUNK_SIZE_MIB).default(4),
  REBALANCE_BANDWIDTH_MBPS: z.coerce.number().positive().default(50),
  /** The store refuses new chunks when the disk would have less free space than this. */
  MIN_FREE_MB: z.coerce.number().min(0).default(256),
  /** After a hand-off, how long an old owner keeps its copy once every new owner holds one. */
  REBALANCE_GRACE_S: z.coerce.number().min(0).default(120),
  /** Re-hash rate of the background scrub, and the pause between full passes. */
  SCRUB_BANDWIDTH_MBPS: z.coerce.number().positive().default(20),
  SCRUB_PAUSE_S: z.coerce.number().min(0).default(3600),
  /** On SIGTERM, requests in flight get this long to finish before their connections are cut. */
  SHUTDOWN_TIMEOUT_S: z.coerce.number().min(0).max(86_400).default(30),
  /** A graceful leave waits at most this long for its hand-off to finish. */
  LEAVE_TIMEOUT_S: z.coerce.number().positive().default(3600),
  /** How often a node compares its chunks with a random co-owner (range digests). */
  CHUNK_SYNC_INTERVAL_S: z.coerce.number().positive().default(300),
  /** Replica census period; default the chunk anti-entropy period, at most 60 s. */
  CENSUS_INTERVAL_S: z.coerce.number().positive().max(86_400).optional(),
  /** Garbage collection period, and how old a chunk or tombstone must be before it can go. */
  GC_INTERVAL_S: z.coerce.number().positive().default(600),
  GC_MIN_CHUNK_AGE_S: z.coerce.number().min(0).default(86400),
  GC_MIN_TOMBSTONE_AGE_S: z.coerce.number().min(0).default(86400),
  /**
   * Versioned folders: versions kept per file (the current one included) and days a replaced version is kept;
   * 0 = no limit. The garbage collector prunes past them. Defaults until the cluster settings set them.
   */
  KEEP_VERSIONS: z.coerce.number().int().min(0).max(1_000_000).default(0),
  KEEP_DAYS: z.coerce.number().min(0).max(36_500).default(0),
  /**
   * The tombstone horizon: a member dead this long is forgotten (becomes "left": it stops blocking garbage
   * collection), and a member that returns after being forgotten resyncs its manifests before it serves.
   * Seconds, or with a unit (90s, 30m, 12h, 7d). Milliseconds once parsed.
   */
  DEAD_MEMBER_TIMEOUT: durationMs(1000).default(7 * 86_400_000),
  /**
   * The store refuses chunks beyond this many MiB, and (without CAPACITY_GB) announces it as its capacity.
   * A store at its quota, or below MIN_FREE_MB, is full: placement passes it over for new chunks.
   */
  STORE_QUOTA_MB: z.coerce.number().positive().optional(),
  /**
   * This node's share of the cluster's chunks follows its capacity: GB announced as its ring weight.
   * Default: STORE_QUOTA_MB when set, else the size of the disk holding DATA_DIR.
   */
  CAPACITY_GB: z.coerce.number().positive().max(1e6).optional(), // the wire format's MAX_WEIGHT
  /** "off": a storage-less gateway that forwards reads and writes, owns nothing and holds no chunk file. */
  STORAGE: z.enum(["on", "off"]).default("on"),
  /** Most files and folders one zip download (GET /api/zip) may hold: they are listed before it starts. */
  ZIP_MAX_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Serve the web UI from this folder (a SvelteKit build) instead of the embedded copy. */
  UI_DIR: z.string().min(1).optional(),
  /** Test hook: enables POST /api/admin/faults (network partitions between chosen peers, late gossip reads). */
  FAULT_INJECTION: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /** Virtual nodes of a member of mean capacity; others get them in proportion (ring/vnodes.ts). */
  VNODES: z.coerce.number().int().min(1).max(4096).default(768), // ring.ts: DEFAULT_VNODES_PER_MEMBER
  ZONE: z.string().max(64).optional(),
  /** SWIM probe interval; tests shorten it. memberlist's LAN default is 1 s. */
  GOSSIP_INTERVAL_MS: z.coerce.number().int().min(20).max(60000).default(1000),
  QUEUE_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600000).default(1000),
  QUEUE_RETRY_MAX_MS: z.coerce.number().int().min(10).max(3600000).default(60000),
  /** Anti-entropy period for manifests. */
  SYNC_INTERVAL_MS: z.coerce.number().int().min(50).max(3600000).default(5000),
  /**
   * Range anti-entropy's pace (replication/manifest-range-sync.ts): a pass compares the next slice of this node's
   * arcs with their other owners, then waits this long (up to six times as long while every digest is equal).
   */
  RANGE_SYNC_INTERVAL_MS: z.coerce.number().int().min(50).max(3600000).default(10_000),
  /**
   * Per-origin delta sync of manifests (metadata/sync.ts), "on" by default. "off" is a knob for tests and for the
   * migration to partitioned manifests: rows then arrive by push and range anti-entropy only.
   */
  MANIFEST_DELTA_SYNC: z.enum(["on", "off"]).default("on"),
  /**
   * How long a replaced ring (or replication factor) still counts for manifest quorums, at least
   * 6 × SYNC_INTERVAL_MS (node-core.ts ringSettleMs): joint quorums across membership changes.
   */
  RING_SETTLE_S: z.coerce.number().min(0).max(86_400).default(30),
  /**
   * Logins on the HTTP port (files API, WebDAV, web UI): "required", "off" (anyone who reaches the port may do
   * anything), or "auto": required when the node binds beyond loopback, off on loopback (the quick start).
   */
  AUTH: z.enum(["auto", "required", "off"]).default("auto"),
  /** The audit log (who did what, replicated to every node) keeps the newest this many records. */
  AUDIT_KEEP: z.coerce.number().int().min(10).max(MAX_AUDIT_KEEP).default(DEFAULT_AUDIT_KEEP),
  /** The password of user `admin`, made at first start when the cluster has no admin (else one is generated and printed). */
  ADMIN_PASSWORD: z.string().min(8, "a password is 8-256 characters").max(256, "a password is 8-256 characters").optional(),
  /** The longest a share link may live, in days (a link asks for 7 by default, never more than this). */
  SHARE_LINK_MAX_DAYS: z.coerce.number().min(1 / 24).max(3650).default(30),
  /**
   * HTTPS on the client ports (HTTP, S3): "on", "off", or "auto": on when the node binds beyond loopback. With
   * TLS_CERT/TLS_KEY those are served; without, a self-signed certificate made at first start (kept in DATA_DIR).
   */
  TLS: z.enum(["auto", "on", "off"]).default("auto"),
  /** PEM files: the certificate (chain) and its private key, instead of the self-signed one. */
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** S3 API port on BIND_ADDRESS; 0 turns it off. Unset: 9000, skipped with a warning when that is taken. */
  S3_PORT: port.optional(),
  /** The region GetBucketLocation reports; requests signed for any region are accepted. */
  S3_REGION: z.string().regex(/^[a-z0-9-]{1,32}$/, "lowercase letters, digits and '-'").default("us-east-1"),
  S3_ACCESS_KEY: s3AccessKey.optional(),
  S3_SECRET_KEY: s3SecretKey.optional(),
  /** More than one key pair: `key:secret,key2:secret2`. */
  S3_CREDENTIALS: z
    .string()
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean).map((pair) => {
      const colon = pair.indexOf(":");
      return colon < 0 ? [pair, ""] : [pair.slice(0, colon), pair.slice(colon + 1)];
    }))
    .pipe(z.array(z.tuple([s3AccessKey, s3SecretKey])).min(1, "expected key:secret,key2:secret2"))
    .optional(),
});

export type Config = z.output<typeof configSchema> & {
  chunkSize: number;
  advertise: string;
  /** CLUSTER_KEY, or the first line of CLUSTER_KEY_FILE; undefined: the data dir's key. */
  clusterKey: string | undefined;
  /** Whether the client ports serve HTTPS, and the PEM pair TLS_CERT/TLS_KEY named (else self-signed). */
  tls: TlsChoice;
};

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`invalid ${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

const flagToVar = (flag: string) => flag.replace(/^--/, "").replace(/-/g, "_").toUpperCase();

/** Parses `--http-port 3001` / `--http-port=3001` flags into env-var names. */
export function flagsToEnv(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new ConfigError(arg, "unexpected argument");
    const eq = arg.indexOf("=");
    if (eq > 0) {
      out[flagToVar(arg.slice(0, eq))] = arg.slice(eq + 1);
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new ConfigError(flagToVar(arg), "missing value");
      out[flagToVar(arg)] = value;
      i++;
    }
  }
  return out;
}

export function loadConfig(
  env: Record<string, string | undefined>,
  argv: string[] = [],
  lanAddress: () => string | undefined = pickLanAddress,
): Config {
  const known = Object.keys(configSchema.shape);
  const flags = flagsToEnv(argv);
  for (const k of Object.keys(flags)) {
    if (!known.includes(k)) throw new ConfigError(k, "unknown flag");
  }
  const input: Record<string, string | undefined> = {};
  for (const k of known) {
    const v = flags[k] ?? env[k];
    if (v !== undefined && v !== "") input[k] = v;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? "config"), issue.message);
  }
  const c = parsed.data;
  if ((c.S3_ACCESS_KEY === undefined) !== (c.S3_SECRET_KEY === undefined)) {
    throw new ConfigError(c.S3_ACCESS_KEY === undefined ? "S3_ACCESS_KEY" : "S3_SECRET_KEY", "S3_ACCESS_KEY and S3_SECRET_KEY go together");
  }
  const advertise = c.ADVERTISE_ADDRESS ?? (c.BIND_ADDRESS === "0.0.0.0" ? (lanAddress() ?? "127.0.0.1") : c.BIND_ADDRESS);
  return { ...c, chunkSize: Math.round(c.CHUNK_SIZE_MB * 1024 * 1024), advertise, clusterKey: clusterKeyOf(c), tls: tlsChoiceOf(c) };
}

function clusterKeyOf(c: { CLUSTER_KEY?: string; CLUSTER_KEY_FILE?: string }): string | undefined {
  if (c.CLUSTER_KEY_FILE === undefined) return c.CLUSTER_KEY;
  if (c.CLUSTER_KEY !== undefined) throw new ConfigError("CLUSTER_KEY_FILE", "set CLUSTER_KEY or CLUSTER_KEY_FILE, not both");
  let text: string;
  try {
    text = readFileSync(c.CLUSTER_KEY_FILE, "utf8");
  } catch (err) {
    throw new ConfigError("CLUSTER_KEY_FILE", `cannot read ${c.CLUSTER_KEY_FILE}: ${(err as Error).message}`);
  }
  const key = text.split(/\r?\n/)[0]!.trim();
  if (!CLUSTER_KEY_PATTERN.test(key)) throw new ConfigError("CLUSTER_KEY_FILE", `the key in ${c.CLUSTER_KEY_FILE} must be ${CLUSTER_KEY_RULE}`);
  return key;
}
