import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { inlineScriptHashes, uiDocumentHeaders, uiPolicy } from "./ui-csp.ts";

const sha = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;

test("hashes exactly the text of each inline script, whitespace included, and skips scripts with src", () => {
  const theme = "\n      try { document.documentElement.dataset.theme = 'dark' } catch {}\n    ";
  const boot = "\n\t\t\t\t{ __sveltekit_x = {}; }\n\t\t\t";
  const html = `<head><script>${theme}</script><script type="module" src="/_app/a.js"></script></head><body><div><SCRIPT>${boot}</script ></div></body>`;
  expect(inlineScriptHashes(html)).toEqual([sha(theme), sha(boot)]);
  expect(inlineScriptHashes("<p>no scripts</p>")).toEqual([]);
});

test("the policy allows scripts from the node and the hashed ones only: no 'unsafe-inline' for scripts, no WebAssembly", () => {
  const policy = uiPolicy(["'sha256-abc='"]);
  const directives = new Map(policy.split("; ").map((d) => [d.split(" ")[0], d]));
  expect(directives.get("script-src")).toBe("script-src 'self' 'sha256-abc='");
  expect(directives.get("default-src")).toBe("default-src 'self'");
  expect(directives.get("connect-src")).toBe("connect-src 'self'");
  expect(directives.get("img-src")).toBe("img-src 'self' data: blob:");
  expect(directives.get("frame-ancestors")).toBe("frame-ancestors 'none'");
  expect(directives.get("base-uri")).toBe("base-uri 'self'");
  expect(directives.get("form-action")).toBe("form-action 'self'");
});

test("a UI page's headers: the policy with its own hashes, no framing, same-origin referrers", () => {
  const h = uiDocumentHeaders("<script>boot()</script>");
  expect(h["content-security-policy"]).toContain(sha("boot()"));
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["referrer-policy"]).toBe("same-origin");
});
