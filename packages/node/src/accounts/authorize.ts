// Who may do what to which path: the one decision every interface (files API, WebDAV, the UI through the
// files API) asks before it acts. Pure: (principal, action, path) → verdict.
//
// Anonymous clients may do everything on an open node (AUTH=off, or the loopback quick start) and nothing
// on one that requires a login. An admin may do everything; a user everything in their home folder
// (`home/<name>`) and below, a folder shared with them and what is below it (read, or read and write below it), and
// may see the folders on the way to those (`/`, `/home`, `/home/alice` for a share of `/home/alice/photos`)
// with only what leads there listed. A read-only token reads and never writes.
import { homeOf, type Role, type ShareAccess } from "./records.ts";

/** A folder shared with the principal, and how. */
export interface Grant {
  path: string;
  access: ShareAccess;
}

export type Principal =
  | { kind: "anonymous" }
  | { kind: "user"; name: string; role: Role; readOnly: boolean; via: "password" | "token" | "session" | "s3key"; shares?: readonly Grant[] };

export type Action = "read" | "write";

/**
 * - `allow`: go ahead.
 * - `list`: a folder on the way to what the principal may see: it may be listed (and stat'ed), with only the
 *   entries that are not `deny` shown.
 * - `deny`: no (401 for an anonymous client: it should log in; 403 for a user).
 */
export type Verdict = "allow" | "list" | "deny";

export interface AuthorizeContext {
  /** No login required: anonymous clients may do everything. */
  open: boolean;
}

/** Whether canonical `path` is `dir` or below it ("" is the root, above everything). */
export const within = (path: string, dir: string): boolean => dir === "" || path === dir || path.startsWith(`${dir}/`);

export function authorize(p: Principal, action: Action, path: string, ctx: AuthorizeContext): Verdict {
  if (p.kind === "anonymous") return ctx.open ? "allow" : "deny";
  if (action === "write" && p.readOnly) return "deny";
  if (p.role === "admin") return "allow";
  const home = homeOf(p.name);
  if (within(path, home)) return "allow";
  const shares = p.shares ?? [];
  // What is below a shared folder; the folder itself is the sharer's to move or delete, not the grantee's.
  if (shares.some((g) => within(path, g.path) && (action === "read" || (g.access === "write" && path !== g.path)))) return "allow";
  // The folders on the way to the home or a share are listed, never written (no mkdir of another's home).
  if (action === "read" && [home, ...shares.map((g) => g.path)].some((a) => a !== path && within(a, path))) return "list";
  return "deny";
}

/** Whether an entry may appear in a listing (or a change feed) the principal reads. */
export const visible = (p: Principal, path: string, ctx: AuthorizeContext): boolean => authorize(p, "read", path, ctx) !== "deny";
