// The CLI's files in the user's config dir (credentials, pinned certificates): JSON read against a schema,
// written readable by this user only (a 0600 file renamed over the old one).
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { z } from "zod";
import { CliError, ExitCode } from "./errors.ts";

/** The file's content, `empty` when there is none; a file that does not match the schema is a local error. */
export function readConfigFile<S extends z.ZodType>(path: string, schema: S, empty: z.output<S>, what: string): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return empty;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new CliError(ExitCode.local, `${path} is not ${what}; remove it`);
  return parsed.data as z.output<S>;
}

export function writeConfigFile(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
