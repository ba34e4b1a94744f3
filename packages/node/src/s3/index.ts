// Starts the node's S3 API from its config: resolves the access keys (printing a generated pair once)
// and binds S3_PORT, or does nothing when S3_PORT is 0. The API itself (server.ts) loads on the first request.
import type { Config } from "../config/index.ts";
import type { Accounts } from "../accounts/accounts.ts";
import { s3Identities } from "./access.ts";
import { resolveCredentials } from "./credentials.ts";
import type { S3Components } from "./http.ts";
import { S3Listener } from "./listener.ts";

export type { S3Listener } from "./listener.ts";

export const DEFAULT_S3_PORT = 9000;

export async function startS3Api(
  config: Config,
  c: S3Components & { accounts?: Accounts; open?: boolean; /** Called at every request (the JIT governor). */ onRequest?: () => void },
  tls?: { cert: string; key: string },
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<S3Listener | undefined> {
  if (config.S3_PORT === 0) return undefined;
  const keys = resolveCredentials(config);
  const api = { region: config.S3_REGION, credentials: s3Identities(keys.credentials, c.accounts, c.open ?? true) };
  const server = new S3Listener(
    { host: config.BIND_ADDRESS, port: config.S3_PORT ?? DEFAULT_S3_PORT, portIsExplicit: config.S3_PORT !== undefined, tls },
    c.log,
    c.onRequest,
    async () => new (await import("./server.ts")).S3Server(api, c).fetch,
  );
  const port = await server.start();
  if (port === undefined) return undefined;
  const endpoint = `${tls ? "https" : "http"}://${config.advertise}:${port}`;
  const accessKeys = [...keys.credentials.keys()];
  if (keys.source === "generated") {
    const [[accessKey, secret]] = [...keys.credentials] as [[string, string]];
    print(`S3 API at ${endpoint}: generated the access key ${accessKey} with the secret key ${secret} (kept in ${keys.file})`);
  } else {
    print(`S3 API at ${endpoint} (access key${accessKeys.length > 1 ? "s" : ""} ${accessKeys.join(", ")}${keys.file ? `, from ${keys.file}` : ""})`);
  }
  c.log.info("S3 API started", { endpoint, accessKeys, credentials: keys.source });
  return server;
}
