// The contract (@orrery/api) and the gateway cannot drift apart: every route Hono holds is in the contract and
// every contract route is registered; /api/openapi.json is an OpenAPI 3 document listing them all; /api/docs shows them.
import { expect, test } from "bun:test";
import { apiRoutes, clusterKeyPattern, openApiPath, recentEventsQuery, type RouteSpec } from "@orrery/api";
import { inspectRoutes } from "hono/dev";
import { EVENT_LOG_CAPACITY } from "../events/event-log.ts";
import { CLUSTER_KEY_PATTERN } from "../security/cluster-key.ts";
import { webdavRoutes } from "../webdav/routes.ts";
import { apiDocsRoutes } from "./api-docs.ts";
import { createGateway, type GatewayDeps } from "./app.ts";

const contract = Object.values(apiRoutes) as RouteSpec[];

/**
 * Building the app registers its routes without using its dependencies (handlers read them per request), so
 * an empty stand-in is enough to read the route table; metrics, an authenticator and versions must exist for
 * /metrics, the account routes and the versions routes to be registered.
 */
const stubDeps = new Proxy({} as GatewayDeps, {
  get: (_t, key) =>
    key === "metrics"
      ? { middleware: () => async (_c: unknown, next: () => Promise<void>) => next(), text: async () => "", contentType: "text/plain" }
      : key === "ui"
        ? { kind: "none" }
        : // Routes mounted only with logins or versions must be in the contract too: stand-ins make them mount.
          key === "authenticator"
          ? { middleware: () => async (_c: unknown, next: () => Promise<void>) => next() }
          : key === "versions"
            ? {}
            : undefined,
});

const routesOf = (app: Parameters<typeof inspectRoutes>[0]) =>
  new Set(inspectRoutes(app).filter((r) => !r.isMiddleware).map((r) => `${r.method} ${r.path}`));

test("every route the gateway registers is in the contract, and every contract route is registered", () => {
  // WebDAV is its own protocol on /dav/ (methods like PROPFIND), outside the JSON API the contract describes.
  const webdav = routesOf(webdavRoutes(stubDeps));
  const registered = [...routesOf(createGateway(stubDeps))].filter((r) => !webdav.has(r));
  const described = contract.map((r) => `${r.method.toUpperCase()} ${r.path}`);
  expect(registered.filter((r) => !described.includes(r))).toEqual([]);
  expect(described.filter((r) => !registered.includes(r))).toEqual([]);
  expect(new Set(described).size).toBe(described.length);
});

test("GET /api/openapi.json is an OpenAPI 3 document listing every route, every reference resolved", async () => {
  const res = await apiDocsRoutes("9.9.9").request("/api/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  const text = await res.text();
  expect(text.length).toBeLessThan(512 * 1024);
  const doc = JSON.parse(text);
  expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
  expect(doc.info).toMatchObject({ title: expect.any(String), version: "9.9.9" });
  expect(typeof doc.components.schemas).toBe("object");
  for (const [id, route] of Object.entries(apiRoutes) as [string, RouteSpec][]) {
    const op = doc.paths[openApiPath(route.path)]?.[route.method];
    expect(op, `${route.method} ${route.path}`).toBeDefined();
    expect(op.operationId).toBe(id);
    expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    for (const [status, r] of Object.entries(op.responses as Record<string, { description?: string }>)) {
      expect(status).toMatch(/^[1-5]\d\d$/);
      expect(typeof r.description).toBe("string");
    }
    // Every {name} in the path is a declared path parameter.
    for (const [, name] of openApiPath(route.path).matchAll(/\{(\w+)\}/g)) {
      expect(op.parameters.some((p: { name: string; in: string }) => p.name === name && p.in === "path")).toBe(true);
    }
  }
  const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
  expect(refs.length).toBeGreaterThan(0);
  for (const ref of refs) {
    expect(ref).toStartWith("#/components/schemas/");
    expect(doc.components.schemas[ref.slice("#/components/schemas/".length)], ref).toBeDefined();
  }
  // Errors are described once and used by the failures.
  expect(doc.paths["/api/mkdir"].post.responses["400"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
});

test("GET /api/docs is a script-free HTML page under the UI's policy, showing every route", async () => {
  const res = await apiDocsRoutes("9.9.9").request("/api/docs");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/html");
  expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
  const html = await res.text();
  expect(html.length).toBeLessThan(1024 * 1024);
  expect(html).not.toContain("<script");
  expect(html).not.toMatch(/https?:\/\/(?!json-schema)/);
  for (const route of contract) expect(html).toContain(`${route.method.toUpperCase()}</span> <code>${openApiPath(route.path)}</code>`);
  expect(html).toContain('href="#schema-Entry"');
  expect(html).toContain('id="schema-Entry"');
});

test("the contract states the node's own limits", () => {
  expect(clusterKeyPattern.source).toBe(CLUSTER_KEY_PATTERN.source);
  expect(recentEventsQuery.safeParse({ limit: String(EVENT_LOG_CAPACITY) }).success).toBe(true);
  expect(recentEventsQuery.safeParse({ limit: String(EVENT_LOG_CAPACITY + 1) }).success).toBe(false);
});
