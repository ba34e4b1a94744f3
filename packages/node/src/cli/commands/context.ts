// What every command receives: the parsed arguments, the node client, and how to present results.
import type { ClientArgs } from "../args.ts";
import type { NodeClient } from "../http.ts";

export interface CommandContext {
  args: ClientArgs;
  client: NodeClient;
  /** Print machine-readable JSON on stdout instead of tables and sentences. */
  json: boolean;
  /** Draw progress bars (stderr is a terminal and not --json). */
  progress: boolean;
}

export type Command = (ctx: CommandContext) => Promise<void>;
