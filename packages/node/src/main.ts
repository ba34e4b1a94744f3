#!/usr/bin/env bun
// Entry point of the single executable: `orrery node` runs a node; other sub-commands are clients.
import { ConfigError, loadConfig } from "./config/index.ts";
import { logger } from "./log.ts";
import { allocatorReexecPlan, execve } from "./util/allocator.ts";
import { collectAndMeasure } from "./util/memory-governor.ts";

const USAGE = `usage: orrery <command> [options]

  node [--http-port N --gossip-port N --transfer-port N --data-dir DIR --seeds h:p,h:p ...]
                                 run a node (every flag is also an env var: HTTP_PORT, SEEDS, ...)
  sim [--nodes N --base-port P --data-dir DIR]
                                 run N local nodes on consecutive ports for demos (orrery sim --help)
  put <local> <remote>           upload a file (--durability quorum|fast|all)
  get <remote> [local|-]         download a file
  ls [remote-dir]                list a directory
  find <text> [remote-dir]       files and folders whose name holds the text, at any depth below the directory
  rm <remote> [--recursive]      delete a file or directory
  mv <from> <to> [--overwrite]   move or rename
  mkdir <remote-dir>             create a directory
  versioning on|off|status <folder>
                                 keep versions of overwritten and deleted files in a top-level folder (off: suspend)
  sync <local-dir> <remote-path> [--once]
                                 keep a local folder and a cluster folder in step both ways (--once: one pass, then exit)
  status                         show the cluster
  leave                          hand this node's data off and take it out of the cluster (POST /api/cluster/leave)
  members [forget <id>]          list members; forget a dead member for good (it stops blocking GC)
  config [get | set <name> <value> | unset replication-factor --folder F]
                                 the cluster's live settings (replication-factor, chunk-size in MiB), changed on every
                                 node at once; --folder F: the replication factor of one top-level folder
  key generate|show|list|install <key>|use <id>|remove <id>|rotate
                                 the cluster key: make one, show a data dir's, rotate it on every live member

  user add <name> --password P [--quota 1GB] [--admin] | passwd [name] --password P [--current-password C]
       | set <name> [--quota 2GB|none] [--role admin|user] | rm <name> | ls
                                 accounts (an admin's; anyone changes their own password); home folder /home/<name>
  token create [--read-only] [--expires 30d] [--label L] | ls | revoke <id>
                                 API tokens of the user logged in (printed once)
  share add <folder> <user> [--write] | add <folder> --group G [--write] | ls | rm <id>
                                 share a folder of your home with a user or a group (read-only unless --write)
  group add <name> | rm <name> | ls | member add|rm <group> <user>
                                 groups of users to share folders with (admins change them)
  share link <path> [--expires 1d] | links | unlink <id>
                                 a link anyone may open read-only, without an account (7 days unless --expires)
  s3key create [--read-only] [--label L] [--for USER] | ls [--all] | rm <access-key>
                                 S3 access keys that act as you (the secret is printed once)
  login [--user U --password P]  make a token and keep it for this node (~/.config/orrery/credentials.json, mode 0600)
  logout                         revoke and forget that token
  audit [--by USER] [--action A] [--limit N]
                                 the cluster's audit log, newest first: logins, accounts, tokens, shares, deletes (admins)

client options: --node URL (default http://127.0.0.1:3000 or $ORRERY_NODE), --json
https:// nodes: the certificate is pinned on first use (~/.config/orrery/known_nodes.json); accept it with
  --accept-fingerprint SHA256 (or ORRERY_TLS_FINGERPRINT), or --tls-cert FILE (ORRERY_TLS_CERT) for the certificate
  in a PEM file; a changed certificate is refused (exit 5)
credentials: --user U --password P, ORRERY_TOKEN, ORRERY_USER + ORRERY_PASSWORD, or the token of 'orrery login'
(for user add/passwd, --password is the new password of the account: log in with the others)
admin commands (leave, members forget, key, config set/unset) sign with the cluster key from --key-file FILE, CLUSTER_KEY,
CLUSTER_KEY_FILE or --data-dir DIR (default ./.orrery-data); a node bound only to loopback needs none`;

/** A node runs with the allocator tuned (util/allocator.ts): re-executes itself once if the environment lacks it. */
function tuneAllocator(): void {
  const plan = allocatorReexecPlan({ env: process.env, execPath: process.execPath, execArgv: process.execArgv, argv: process.argv, main: Bun.main });
  if (!plan) return;
  const failed = execve(plan);
  process.stderr.write(`orrery: running with the allocator's defaults (could not re-execute with the allocator and collector settings of util/allocator.ts: ${failed})\n`);
}

async function runNode(argv: string[]): Promise<number> {
  tuneAllocator();
  const { startNode } = await import("./node.ts");
  let config;
  try {
    config = loadConfig(process.env, argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`orrery: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let node;
  try {
    node = await startNode(config);
  } catch (err) {
    process.stderr.write(`orrery: cannot start node: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`Orrery node ${node.id} is up: ${node.url}\n`);
  if (node.tls) {
    const made = node.tls.source === "self-signed, made now" ? ` (made now, kept in ${node.tls.dir})` : node.tls.source === "self-signed" ? ` (kept in ${node.tls.dir})` : " (TLS_CERT)";
    process.stdout.write(
      `HTTPS with a ${node.tls.source === "files" ? "" : "self-signed "}certificate${made}; its SHA-256 fingerprint:\n  ${node.tls.fingerprint}\n` +
        `  (clients pin it on first use: orrery --node ${node.url} status --accept-fingerprint ${node.tls.fingerprint})\n`,
    );
  }
  if (node.generatedKey) {
    // Printed once, when the key is made; `orrery key show --data-dir DIR` prints it again.
    const gossip = `${config.advertise}:${config.GOSSIP_PORT}`;
    process.stdout.write(
      `This node generated the cluster key (kept in ${config.DATA_DIR}/cluster-keys.json). Start the other nodes with:\n` +
        `  CLUSTER_KEY=${node.generatedKey} SEEDS=${gossip}\n`,
    );
  }
  if (node.generatedAdminPassword) {
    // Printed once (never logged): the node keeps only its argon2id hash.
    process.stdout.write(
      `Logins are required. This node made user 'admin' with the password ${node.generatedAdminPassword}\n` +
        `  (shown once; change it with: orrery user passwd admin). It stands until this node joins a cluster that has an admin.\n`,
    );
  }
  if (!node.loginRequired) process.stdout.write(`No login required on this node (AUTH=${config.AUTH}); see the log.\n`);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      process.stdout.write(`received ${signal}, stopping\n`);
      node.stop().then(resolve, (err) => {
        process.stderr.write(`orrery: error while stopping: ${(err as Error).message}\n`);
        resolve();
      });
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    // `kill -USR2 <pid>`: a full collection and the memory left after it, in the log (a leak, or just garbage?).
    process.on("SIGUSR2", () => {
      const m = collectAndMeasure();
      logger("node").info("memory after a full collection", { heapMiB: +(m.heapBytes / 1048576).toFixed(1), rssMiB: +(m.rssBytes / 1048576).toFixed(1), tookMs: +m.tookMs.toFixed(1) });
    });
    // A graceful leave (POST /api/cluster/leave) stops the node by itself.
    node.stopped.then(resolve);
  });
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "node") return runNode(rest);
  if (command === "sim") {
    const { runLocalCluster } = await import("./local-cluster/local-cluster.ts");
    return runLocalCluster(rest);
  }
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { runClient } = await import("./cli/client.ts");
  return runClient(command, rest, USAGE);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`orrery: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
