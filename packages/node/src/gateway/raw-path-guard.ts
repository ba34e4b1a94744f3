// Refuses request targets with dot-segments ("." or "..", also spelled %2e) instead of letting them be
// resolved: `PUT /api/files/a/../b` must not quietly write /b. `new Request(url)` resolves dot-segments,
// so the check reads the raw target (node:http's `req.url`) before any Request is built; each segment is
// percent-decoded first. Targets deeper than MAX_DEPTH segments are refused too.

export const MAX_DEPTH = 128;

const DOTS = "the URL has a '.' or '..' segment; such paths are refused, not resolved";

function refusal(path: string, message: string): Response {
  const headers = { "x-content-type-options": "nosniff" };
  return path.startsWith("/dav")
    ? new Response(`${message}\n`, { status: 400, headers: { ...headers, "content-type": "text/plain; charset=utf-8" } })
    : Response.json({ error: message, code: "invalid_path" }, { status: 400, headers });
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape is not a dot-segment; the handler refuses it on its own terms
  }
}

/** The 400 for a raw request target (`/a/b?q`, or absolute-form) with a dot-segment or too deep; undefined when fine. */
export function refuseDotSegments(target: string): Response | undefined {
  let path = target;
  const query = path.search(/[?#]/);
  if (query >= 0) path = path.slice(0, query);
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  if (absolute) path = path.slice(absolute[0].length) || "/";
  const segments = path.split("/").slice(1);
  if (segments.at(-1) === "") segments.pop(); // a trailing slash
  for (const segment of segments.slice(0, MAX_DEPTH)) {
    const s = decoded(segment);
    if (s === "." || s === "..") return refusal(path, DOTS);
  }
  if (segments.length > MAX_DEPTH) return refusal(path, `the URL has more than ${MAX_DEPTH} segments`);
  return undefined;
}
