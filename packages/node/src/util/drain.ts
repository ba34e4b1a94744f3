// Graceful stop of an HTTP server (SIGTERM, rolling restarts): no new connections, requests in flight
// finish, bounded by SHUTDOWN_TIMEOUT_S, then the rest are cut.
import type { Logger } from "../log.ts";

/** Stops taking connections and waits (bounded) for the requests in flight to finish. */
export async function drain(server: { stop(force?: boolean): Promise<void> } | undefined, timeoutMs: number, log: Logger, name: string): Promise<void> {
  if (!server) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finished = await Promise.race([
    server.stop(false).then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!finished) log.warn("requests still in flight after the shutdown timeout: cutting them", { server: name, timeoutS: timeoutMs / 1000 });
}
