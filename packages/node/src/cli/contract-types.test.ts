// The API's clients (the CLI, the sync client, the bench, the web UI) read their answers' types from the
// contract (@orrery/api), never from a shape written again by hand (issue 15, "one API contract"): every typed
// call of their JSON helpers names ResponseOf<…>, a type the contract exports, or a local alias of one of those.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const repo = resolve(import.meta.dir, "../../../..");
const roots = ["packages/node/src/cli", "packages/node/src/sync", "packages/node/bench", "apps/frontend/src"];
/** The helpers that turn an answer's body into a value of the type they are given. */
const HELPER = /\b(?:json|admin|request|post|getJson)</g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === "node_modules" ? [] : sources(path);
    return /\.(ts|svelte)$/.test(d.name) && !/\.test\.ts$/.test(d.name) ? [path] : [];
  });
}

/** The type argument starting at `from` (just after its '<'), brackets balanced; undefined when it is no type argument. */
function typeArgument(text: string, from: number): string | undefined {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "<" || c === "{" || c === "[" || c === "(") depth++;
    else if (c === ">" || c === "}" || c === "]" || c === ")") depth--;
    if (depth === 0) return c === ">" && text[i + 1] === "(" ? text.slice(from, i).trim() : undefined;
    if (c === ";" || c === "\n") return undefined; // a comparison, not a type argument
  }
  return undefined;
}

/** Names a file may give a helper: what it imports from @orrery/api, and its own aliases of those or of ResponseOf. */
export function contractNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']@orrery\/api["']/g)) {
    for (const part of m[1]!.split(",")) {
      const local = part.replace(/^\s*type\s+/, "").split(/\s+as\s+/).pop()?.trim();
      if (local) names.add(local);
    }
  }
  // Aliases, in the order written: `type Me = ResponseOf<"me">`, `type SettingsView = ClusterSettingsView`.
  for (const m of text.matchAll(/\btype\s+(\w+)\s*=\s*(\w+)/g)) if (m[2] === "ResponseOf" || names.has(m[2]!)) names.add(m[1]!);
  return names;
}

/** Whether a helper's type argument comes from the contract: `T` is a helper passing its own parameter on. */
export function fromContract(arg: string, names: ReadonlySet<string>): boolean {
  const head = /^\w+/.exec(arg)?.[0];
  if (head === undefined) return false; // an object or array type written in place
  return arg === "T" || head === "ResponseOf" || names.has(head);
}

/** Every typed helper call in a source whose type is not the contract's, as `line: call`. */
export function handCopied(text: string): string[] {
  const names = contractNames(text);
  const found: string[] = [];
  for (const m of text.matchAll(HELPER)) {
    const start = m.index + m[0].length;
    const arg = typeArgument(text, start);
    if (arg === undefined || fromContract(arg, names)) continue;
    found.push(`${text.slice(0, m.index).split("\n").length}: ${m[0]}${arg}>`);
  }
  return found;
}

test("the check finds a shape written by hand and passes the contract's", () => {
  const own = `import type { ClusterView, Listing as DirListing, ResponseOf } from "@orrery/api";
interface UserView { name: string }
type Me = ResponseOf<"me">;
type Page = DirListing;
const a = await client.json<{ users: UserView[] }>("GET", "/api/users");
const b = await client.admin<UserView>("DELETE", "/api/users/x");
const c = await request<Me>("/api/me");
const d = await client.json<ResponseOf<"listUsers">>("GET", "/api/users");
const e = await client.json<ClusterView>("GET", "/api/cluster");
const f = await client.json<Page>("GET", "/api/files/");
const g = await request<ResponseOf<"getFile">["entries"][number]>("/x");
if (a.json < limit) run();`;
  expect(handCopied(own)).toEqual(["5: json<{ users: UserView[] }>", "6: admin<UserView>"]);
});

test("the CLI, the sync client, the bench and the web UI type every answer by the contract", () => {
  const found = roots.flatMap((root) =>
    sources(join(repo, root)).flatMap((file) => handCopied(readFileSync(file, "utf8")).map((hit) => `${relative(repo, file)}:${hit}`)),
  );
  expect(found).toEqual([]);
});
