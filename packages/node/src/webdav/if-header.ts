// The WebDAV If header (RFC 4918 §10.4): parsing into lists of conditions, and evaluation against
// the state (ETag, covering lock tokens) of the resources the lists name. Pure: no I/O.

export interface IfCondition {
  not: boolean;
  /** A state token (`opaquelocktoken:…`, `DAV:no-lock`, …) or an entity tag (with its quotes). */
  kind: "token" | "etag";
  value: string;
}

export interface IfList {
  /** The resource tag (an absolute URI or path, as sent), or undefined for the Request-URI. */
  resource?: string;
  conditions: IfCondition[];
}

export class IfHeaderSyntaxError extends Error {
  constructor(message: string) {
    super(`malformed If header: ${message}`);
    this.name = "IfHeaderSyntaxError";
  }
}

/** Parses an If header; throws IfHeaderSyntaxError on anything the grammar does not allow. */
export function parseIfHeader(header: string): IfList[] {
  const lists: IfList[] = [];
  let i = 0;
  let tagged: boolean | undefined;
  let resource: string | undefined;
  const s = header;
  const skipSpace = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const until = (close: string, what: string) => {
    const end = s.indexOf(close, i);
    if (end < 0) throw new IfHeaderSyntaxError(`unterminated ${what}`);
    const out = s.slice(i, end);
    i = end + 1;
    return out;
  };
  for (;;) {
    skipSpace();
    if (i >= s.length) break;
    if (s[i] === "<") {
      if (tagged === false) throw new IfHeaderSyntaxError("a resource tag after untagged lists");
      tagged = true;
      i++;
      resource = until(">", "resource tag");
      skipSpace();
      if (s[i] !== "(") throw new IfHeaderSyntaxError("a resource tag must be followed by a list");
      continue;
    }
    if (s[i] !== "(") throw new IfHeaderSyntaxError(`unexpected '${s[i]}' at ${i}`);
    if (tagged === undefined) tagged = false;
    i++;
    const conditions: IfCondition[] = [];
    for (;;) {
      skipSpace();
      if (s[i] === ")") {
        i++;
        break;
      }
      let not = false;
      if (s.slice(i, i + 3).toLowerCase() === "not") {
        not = true;
        i += 3;
        skipSpace();
      }
      if (s[i] === "<") {
        i++;
        conditions.push({ not, kind: "token", value: until(">", "state token") });
      } else if (s[i] === "[") {
        i++;
        conditions.push({ not, kind: "etag", value: until("]", "entity tag").trim() });
      } else {
        throw new IfHeaderSyntaxError(i >= s.length ? "unterminated list" : `unexpected '${s[i]}' in a list`);
      }
    }
    if (conditions.length === 0) throw new IfHeaderSyntaxError("an empty list");
    lists.push({ resource: tagged ? resource : undefined, conditions });
  }
  if (lists.length === 0) throw new IfHeaderSyntaxError("no list");
  return lists;
}

/** What a condition is checked against: one resource's current state. */
export interface ResourceState {
  /** The current strong ETag (with quotes), or undefined when the resource does not exist. */
  etag?: string;
  /** Tokens of the locks that cover the resource (its own and inherited depth-infinity ones). */
  lockTokens: ReadonlySet<string>;
}

/** Weak comparison would be wrong here: If-header ETags compare strongly, but a W/ prefix is tolerated. */
const sameEtag = (a: string, b: string) => a.replace(/^W\//, "") === b.replace(/^W\//, "");

function conditionHolds(c: IfCondition, state: ResourceState): boolean {
  const match = c.kind === "token" ? state.lockTokens.has(c.value) : state.etag !== undefined && sameEtag(c.value, state.etag);
  return c.not ? !match : match;
}

export interface IfEvaluation {
  /** The header as a whole matched (some list had every condition hold). */
  passed: boolean;
  /** State tokens named (not negated) in lists that held: the lock tokens the client has submitted. */
  submittedTokens: Set<string>;
}

/**
 * Evaluates the lists: each against the state of its tagged resource, or of the Request-URI when
 * untagged (`stateOf(undefined)`). The header passes when any list holds (RFC 4918 §10.4.3).
 */
export function evaluateIf(lists: IfList[], stateOf: (resource: string | undefined) => ResourceState): IfEvaluation {
  let passed = false;
  const submittedTokens = new Set<string>();
  for (const list of lists) {
    const state = stateOf(list.resource);
    if (list.conditions.every((c) => conditionHolds(c, state))) {
      passed = true;
      for (const c of list.conditions) if (c.kind === "token" && !c.not) submittedTokens.add(c.value);
    }
  }
  return { passed, submittedTokens };
}
