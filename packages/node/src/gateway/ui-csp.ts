// The web UI's own page gets a strict Content-Security-Policy: scripts only from the node, plus the
// inline scripts of the build's index.html (the theme switch and SvelteKit's bootstrap), allowed by
// their SHA-256, computed from the page as it is served, so any build, embedded or on disk, matches.

/** The `'sha256-…'` source of every inline script (one without src) in an HTML page, in page order. */
export function inlineScriptHashes(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/\ssrc\s*=/i.test(` ${m[1]}`)) continue;
    out.push(`'sha256-${new Bun.CryptoHasher("sha256").update(m[2]!).digest("base64")}'`);
  }
  return out;
}

/**
 * The policy for a UI page with these inline script hashes. No WebAssembly: the node sends the ring as
 * the UI draws it, so the page computes no hashes. Styles may be inline: Svelte sets style attributes,
 * and CSS cannot run script.
 */
export function uiPolicy(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.map((h) => ` ${h}`).join("")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
}

/** Headers for an HTML page of the UI: the policy, no framing by other sites, no full URLs leaked in Referer. */
export function uiDocumentHeaders(html: string): Record<string, string> {
  return {
    "content-security-policy": uiPolicy(inlineScriptHashes(html)),
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
  };
}
