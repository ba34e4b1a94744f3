// What to tell a person when the node says no: the node's own message (JSON `{error, code}`),
// plus a hint for the refusals a user can do something about.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const HINTS: Record<string, string> = {
  durability_unreachable: "Too few nodes are up for this durability level. Wait for nodes to return, or choose “fast”.",
  store_full: "The nodes' disks are full. Free space or add a node.",
};

/** `{error, code}` from a response body (already read as text), or a generic message. */
export function errorFromBody(status: number, body: string, statusText = ""): ApiError {
  let message = "";
  let code = "";
  try {
    const parsed = JSON.parse(body) as { error?: unknown; code?: unknown };
    if (typeof parsed.error === "string") message = parsed.error;
    if (typeof parsed.code === "string") code = parsed.code;
  } catch {
    // Not JSON: a proxy's page or an empty body.
  }
  if (status === 0) return new ApiError("The node is unreachable: the request did not get an answer.", 0, "unreachable");
  if (!message) message = `The node answered ${status}${statusText ? ` ${statusText}` : ""}.`;
  return new ApiError(message, status, code || `http_${status}`);
}

/** A sentence for the UI: the node's message, and a hint when there is one. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const hint = HINTS[err.code];
    return hint ? `${ensurePeriod(err.message)} ${hint}` : ensurePeriod(err.message);
  }
  if (err instanceof TypeError) return "The node is unreachable: the request did not get an answer.";
  if (err instanceof Error) return ensurePeriod(err.message);
  return String(err);
}

const ensurePeriod = (s: string) => {
  const t = s.trim();
  if (!t) return t;
  const capital = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?)]$/.test(capital) ? capital : `${capital}.`;
};
