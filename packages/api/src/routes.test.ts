// The route table is well formed: each route says what it does, answers with at least one success, describes
// failures with the one error body, and declares the parameters its path has; every schema converts to JSON Schema.
import { expect, test } from "bun:test";
import { z } from "zod";
import { openApiDocument, openApiPath } from "./openapi.ts";
import { errorSchema, type RouteSpec } from "./route.ts";
import { apiRoutes } from "./routes.ts";

const routes = Object.entries(apiRoutes) as [string, RouteSpec][];

test("Hono's path spelling becomes OpenAPI's", () => {
  expect(openApiPath("/api/files/*")).toBe("/api/files/{path}");
  expect(openApiPath("/api/cluster/members/:id/forget")).toBe("/api/cluster/members/{id}/forget");
  expect(openApiPath("/status")).toBe("/status");
});

test("every route has a summary, a success, the shared error body for failures, and its path's parameters", () => {
  for (const [id, route] of routes) {
    expect(route.summary.length, id).toBeGreaterThan(5);
    const statuses = Object.keys(route.responses).map(Number);
    expect(statuses.some((s) => s >= 200 && s < 300), id).toBe(true);
    for (const [status, spec] of Object.entries(route.responses)) {
      if (Number(status) >= 400 && spec.json) expect(spec.json, `${id} ${status}`).toBe(errorSchema);
    }
    const inPath = [...openApiPath(route.path).matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    expect(Object.keys(route.request?.params?.shape ?? {}).sort(), id).toEqual(inPath.sort() as string[]);
  }
});

test("one route per method and path; every schema converts to JSON Schema", () => {
  const keys = routes.map(([, r]) => `${r.method} ${r.path}`);
  expect(new Set(keys).size).toBe(keys.length);
  const doc = openApiDocument("test") as { paths: Record<string, Record<string, unknown>> };
  expect(Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0)).toBe(routes.length);
  // Nothing fell back to "anything" for want of a JSON Schema form (z.custom, transforms on answers).
  expect(JSON.stringify(doc).split('"schema":{}').length - 1).toBe(0);
});

test("a body the contract describes is checked by it", () => {
  const mkdir = apiRoutes.mkdir.request.body;
  expect(mkdir.safeParse({ path: "/a" }).success).toBe(true);
  expect(mkdir.safeParse({ path: "/a", extra: 1 }).success).toBe(false);
  expect(z.toJSONSchema(mkdir)).toMatchObject({ required: ["path"], additionalProperties: false });
});
