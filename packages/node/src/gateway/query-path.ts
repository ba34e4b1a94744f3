// A path as the API spells it in a query (`/a/b`, `/a/b/`, `/` for the root), made canonical or refused with 400:
// the zip and search routes take their paths this way.
import { badRequest } from "../errors.ts";
import { normalizePath } from "../metadata/path.ts";

export function queryPath(raw: string): string {
  const trimmed = raw.replace(/^\//, "").replace(/\/$/, "");
  try {
    return trimmed === "" ? "" : normalizePath(trimmed);
  } catch (err) {
    throw badRequest("invalid_path", `path ${JSON.stringify(raw.slice(0, 100))}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
