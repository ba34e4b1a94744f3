// GET /api/openapi.json and GET /api/docs: the API's reference, generated from the contract (@orrery/api) once
// per process and served to anyone (it says nothing the API itself does not).
import { apiRoutes, openApiDocument } from "@orrery/api";
import { Hono } from "hono";
import { apiDocsHtml } from "./api-docs-page.ts";
import { uiDocumentHeaders } from "./ui-csp.ts";

export function apiDocsRoutes(version: string): Hono {
  const app = new Hono();
  let cached: { json: string; html: string } | undefined;
  const docs = () => {
    if (!cached) {
      const doc = openApiDocument(version);
      cached = { json: JSON.stringify(doc), html: apiDocsHtml(doc) };
    }
    return cached;
  };
  app.get(apiRoutes.openapi.path, (c) => c.body(docs().json, 200, { "content-type": "application/json", "cache-control": "no-cache" }));
  app.get(apiRoutes.docs.path, (c) => {
    const { html } = docs();
    return c.body(html, 200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", ...uiDocumentHeaders(html) });
  });
  return app;
}
