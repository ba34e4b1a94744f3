// The share link's page as HTML: names stay text, links encode each segment, and the policy allows exactly its style.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { LINK_PAGE_CSP, linkErrorHtml, linkHref, linkPageHtml } from "./link-page.ts";

const TOKEN = `0123456789abcdef_${"A".repeat(43)}`;

describe("the share link's page", () => {
  test("names are escaped in text and percent-encoded in links, each segment on its own", () => {
    const html = linkPageHtml({
      kind: "dir", token: TOKEN, rel: "a b/c#d", name: "c#d", more: false, by: "alice", expiresAt: 0,
      entries: [
        { name: '<img src=x onerror="alert(1)">.txt', kind: "file", size: 5, mtime: 0 },
        { name: "what?", kind: "dir", size: 0, mtime: 0 },
      ],
    });
    expect(html).not.toContain("<img");
    expect(html).toContain("&#60;img src=x onerror=&#34;alert(1)&#34;&#62;.txt");
    expect(html).toContain(`href="/s/${TOKEN}/a%20b/c%23d/%3Cimg%20src%3Dx%20onerror%3D%22alert(1)%22%3E.txt?download=1"`);
    expect(html).toContain(`href="/s/${TOKEN}/a%20b/c%23d/what%3F/"`);
    expect(html).toContain(`href="/s/${TOKEN}/a%20b/"`); // up one folder
    expect(linkHref(TOKEN, "", true)).toBe(`/s/${TOKEN}`);
    expect(linkHref(TOKEN, "", false, true)).toBe(`/s/${TOKEN}?download=1`);
  });

  test("the policy allows the page's own style by hash and nothing else", () => {
    const html = linkErrorHtml("Not found", "no such share link");
    const style = /<style>([^<]*)<\/style>/.exec(html)![1]!;
    expect(LINK_PAGE_CSP).toContain(`style-src 'sha256-${createHash("sha256").update(style).digest("base64")}'`);
    expect(LINK_PAGE_CSP).toStartWith("default-src 'none'");
    expect(html).toContain("<p>No such share link.</p>");
  });
});
