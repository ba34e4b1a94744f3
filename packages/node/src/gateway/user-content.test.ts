import { expect, test } from "bun:test";
import { attachment, userContentHeaders } from "./user-content.ts";

test("user bytes are sandboxed: no script, no sniffing, no embedding by other sites", () => {
  const h = userContentHeaders("page.html");
  expect(h["content-security-policy"]!.split("; ")).toContain("sandbox");
  expect(h["content-security-policy"]).toContain("default-src 'none'");
  expect(h["content-security-policy"]).not.toContain("script-src");
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["cross-origin-resource-policy"]).toBe("same-origin");
  expect(h["content-disposition"]).toBeUndefined();
});

test("download adds an attachment disposition with an ASCII fallback and the UTF-8 name", () => {
  expect(userContentHeaders("a.html", true)["content-disposition"]).toBe(`attachment; filename="a.html"; filename*=UTF-8''a.html`);
  expect(attachment("it's (1).txt")).toBe(`attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`);
  expect(attachment('Grüße "x".txt')).toBe(`attachment; filename="Gr__e _x_.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22x%22.txt`);
});
