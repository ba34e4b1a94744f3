// The cluster key the CLI signs admin requests with (leave, members forget, key …): --key-file, then
// CLUSTER_KEY, CLUSTER_KEY_FILE, then the keyring of a node's data dir (--data-dir, DATA_DIR, or the
// default ./.orrery-data when it exists). None: requests go unsigned, which a loopback-only node accepts.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CLUSTER_KEY_PATTERN, CLUSTER_KEY_RULE, ClusterKey } from "../security/cluster-key.ts";
import { KEYRING_FILE, readKeyringFile } from "../security/keyring.ts";
import type { ClientArgs } from "./args.ts";
import { CliError, ExitCode } from "./errors.ts";

const DEFAULT_DATA_DIR = "./.orrery-data";

function keyFrom(text: string, where: string): ClusterKey {
  const key = text.split(/\r?\n/)[0]!.trim();
  if (!CLUSTER_KEY_PATTERN.test(key)) throw new CliError(ExitCode.usage, `the cluster key in ${where} must be ${CLUSTER_KEY_RULE}`);
  return new ClusterKey(key);
}

function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(ExitCode.local, `cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** The key found in a data dir's keyring (the one that node signs with), if there is one. */
export function keyOfDataDir(dir: string): ClusterKey | undefined {
  const path = join(dir, KEYRING_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return readKeyringFile(path).primary();
  } catch (err) {
    throw new CliError(ExitCode.local, (err as Error).message);
  }
}

export function resolveAdminKey(args: Pick<ClientArgs, "keyFile" | "dataDir">, env: Record<string, string | undefined>): ClusterKey | undefined {
  if (args.keyFile) return keyFrom(readFile(args.keyFile, "key file"), args.keyFile);
  if (env.CLUSTER_KEY) return keyFrom(env.CLUSTER_KEY, "CLUSTER_KEY");
  if (env.CLUSTER_KEY_FILE) return keyFrom(readFile(env.CLUSTER_KEY_FILE, "key file"), env.CLUSTER_KEY_FILE);
  const dir = args.dataDir ?? env.DATA_DIR ?? DEFAULT_DATA_DIR;
  const key = keyOfDataDir(dir);
  if (!key && args.dataDir) throw new CliError(ExitCode.local, `${dir} holds no cluster key (${KEYRING_FILE})`);
  return key;
}
