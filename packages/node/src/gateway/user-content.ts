// Headers for responses that carry a user's file bytes (files API and WebDAV GET/HEAD, ranges included).
// Those bytes share the web UI's origin; an HTML or SVG file opened in the browser would otherwise run
// its scripts as the UI, with the UI's access to the whole store. The CSP sandbox gives such a document
// an opaque origin with scripts, forms and plugins off, as GitHub does for raw files.

/** Nothing runs; images, media and inline styles still render, so opening a picture or a page shows it. */
export const USER_CONTENT_CSP = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'";

/** A Content-Disposition for downloading `name` under its own name (RFC 6266, with an ASCII fallback). */
export function attachment(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  // RFC 8187 allows fewer bare characters than encodeURIComponent leaves.
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * The headers every user-content response carries; with `download`, the browser saves the file
 * instead of showing it.
 *
 * @example new Response(stream, { headers: { ...userContentHeaders("a.html", c.req.query("download") === "1"), etag } })
 */
export function userContentHeaders(name: string, download = false): Record<string, string> {
  return {
    "content-security-policy": USER_CONTENT_CSP,
    "x-content-type-options": "nosniff",
    // Other sites cannot embed the store's files (no <img>, <script>, <video> from elsewhere).
    "cross-origin-resource-policy": "same-origin",
    ...(download ? { "content-disposition": attachment(name) } : {}),
  };
}
