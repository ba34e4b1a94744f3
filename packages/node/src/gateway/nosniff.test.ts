import { expect, test } from "bun:test";
import { Hono } from "hono";
import { nosniff } from "./nosniff.ts";

test("every response gets nosniff: answers, errors, 404s, and responses with immutable headers", async () => {
  const app = new Hono();
  app.onError((err, c) => c.json({ error: err.message, code: "internal" }, 500));
  app.use(nosniff());
  app.get("/ok", (c) => c.json({ ok: true }));
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.get("/frozen", () => Response.redirect("http://127.0.0.1/ok", 302)); // its headers are immutable
  for (const path of ["/ok", "/boom", "/missing", "/frozen"]) {
    const res = await app.request(path);
    expect({ path, nosniff: res.headers.get("x-content-type-options") }).toEqual({ path, nosniff: "nosniff" });
  }
  expect((await app.request("/frozen")).headers.get("location")).toBe("http://127.0.0.1/ok");
});
