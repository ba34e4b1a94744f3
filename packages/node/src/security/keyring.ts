// The keys this node accepts from peers and the one it signs with: normally one, two during a
// rotation (install the new key everywhere, switch every node to it, remove the old one — as Serf's
// keyring does). Changes made by rotation are kept in DATA_DIR/cluster-keys.json (mode 0600).
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { ClusterKey } from "./cluster-key.ts";

export const KEYRING_FILE = "cluster-keys.json";
/** Keys held at once: rotation needs two; a few more cost nothing and bound the per-datagram lookup. */
export const MAX_KEYS = 4;

const fileSchema = z.strictObject({
  version: z.literal(1),
  primary: z.string().regex(/^[0-9a-f]{16}$/),
  keys: z.array(z.string()).min(1).max(MAX_KEYS),
  retired: z.array(z.string().regex(/^[0-9a-f]{16}$/)).max(1000).default([]),
});

export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyringError";
  }
}

export class Keyring {
  private readonly keys = new Map<string, ClusterKey>();
  private primaryId: string;
  private readonly retired: Set<string>;
  private readonly listeners = new Set<() => void>();

  /** `path`: where changes are persisted; undefined keeps them in memory (tests, simulator). */
  constructor(keys: ClusterKey[], primaryId: string, retired: Iterable<string> = [], private path?: string) {
    for (const k of keys) this.keys.set(k.id, k);
    if (!this.keys.has(primaryId)) throw new KeyringError(`primary key ${primaryId} is not in the keyring`);
    this.primaryId = primaryId;
    this.retired = new Set(retired);
  }

  static of(...keys: ClusterKey[]): Keyring {
    return new Keyring(keys, keys[0]!.id);
  }

  primary(): ClusterKey {
    return this.keys.get(this.primaryId)!;
  }

  get(id: string): ClusterKey | undefined {
    return this.keys.get(id);
  }

  ids(): string[] {
    return [...this.keys.keys()];
  }

  isRetired(id: string): boolean {
    return this.retired.has(id);
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Accept this key from peers too (step 1 of a rotation). Idempotent. */
  install(secret: string): ClusterKey {
    const key = new ClusterKey(secret);
    if (this.keys.has(key.id)) return this.keys.get(key.id)!;
    if (this.keys.size >= MAX_KEYS) throw new KeyringError(`a node holds at most ${MAX_KEYS} keys; remove one first`);
    this.keys.set(key.id, key);
    this.retired.delete(key.id);
    this.changed();
    return key;
  }

  /** Sign with this (installed) key from now on (step 2). */
  use(id: string): void {
    if (!this.keys.has(id)) throw new KeyringError(`key ${id} is not installed on this node`);
    if (this.primaryId === id) return;
    this.primaryId = id;
    this.changed();
  }

  /** Stop accepting this key (step 3); the key in use cannot be removed. */
  remove(id: string): void {
    if (id === this.primaryId) throw new KeyringError(`key ${id} is the one this node uses; switch to another key first`);
    if (!this.keys.delete(id)) return;
    this.retired.add(id);
    this.changed();
  }

  /** Where changes go from now on (a node started from CLUSTER_KEY persists once a rotation begins). */
  persistTo(path: string): void {
    this.path = path;
  }

  private changed(): void {
    if (this.path) writeKeyringFile(this.path, this);
    for (const fn of this.listeners) fn();
  }

  toFile(): z.input<typeof fileSchema> {
    return { version: 1, primary: this.primaryId, keys: [...this.keys.values()].map((k) => k.secret), retired: [...this.retired] };
  }
}

function writeKeyringFile(path: string, ring: Keyring): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(ring.toFile(), null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

export function readKeyringFile(path: string): Keyring {
  let parsed;
  try {
    parsed = fileSchema.parse(JSON.parse(readFileSync(path, "utf8")));
  } catch (err) {
    throw new KeyringError(`cannot read the keyring ${path}: ${(err as Error).message}`);
  }
  const keys = parsed.keys.map((s) => new ClusterKey(s));
  return new Keyring(keys, parsed.primary, parsed.retired, path);
}

export interface LoadedKeyring {
  keyring: Keyring;
  /** Where the key in use came from, for the start-up log. */
  source: "CLUSTER_KEY" | "keyring" | "generated";
  /** Set when this start generated the key: the secret to hand to the other nodes. */
  generated?: ClusterKey;
  /** Something the operator should know (a configured key ignored, and why). */
  warning?: string;
}

/**
 * The keyring a node starts with. A configured key (CLUSTER_KEY / CLUSTER_KEY_FILE) is used as given,
 * unless the data dir's keyring already holds it (then the keyring, which may know a newer key from a
 * rotation, wins) or a rotation retired it. No key configured: the data dir's keyring, or a new key.
 */
export function loadKeyring(dataDir: string, configured: string | undefined): LoadedKeyring {
  const path = join(dataDir, KEYRING_FILE);
  const stored = existsSync(path) ? readKeyringFile(path) : undefined;
  if (configured !== undefined) {
    const key = new ClusterKey(configured);
    if (!stored) return { keyring: new Keyring([key], key.id), source: "CLUSTER_KEY" };
    if (stored.get(key.id)) return { keyring: stored, source: "keyring" };
    if (stored.isRetired(key.id)) {
      return {
        keyring: stored,
        source: "keyring",
        warning: `the configured CLUSTER_KEY (id ${key.id}) was retired by a key rotation; using the rotated keys in ${path}`,
      };
    }
    const keyring = new Keyring([key], key.id, stored.toFile().retired, path);
    writeKeyringFile(path, keyring);
    return { keyring, source: "CLUSTER_KEY", warning: `the configured CLUSTER_KEY replaces the keys in ${path}` };
  }
  if (stored) return { keyring: stored, source: "keyring" };
  const key = ClusterKey.generate();
  const keyring = new Keyring([key], key.id, [], path);
  writeKeyringFile(path, keyring);
  return { keyring, source: "generated", generated: key };
}
