// The OpenAPI 3.1 document, generated from the route table with zod's own JSON Schema conversion: schemas that
// carry an id (`.meta({ id })`) become components and are referenced, the rest are written in place.
import { z } from "zod";
import type { ResponseSpec, RouteSpec } from "./route.ts";
import { apiRoutes } from "./routes.ts";

type Json = Record<string, unknown>;

/** `/api/cluster/members/:id/forget` → `/api/cluster/members/{id}/forget`; a trailing `*` → `{path}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z_]\w*)/g, "{$1}").replace(/\/\*$/, "/{path}");
}

/** Converts one schema, moving its named parts into `components` and pointing at them there. */
function converter(components: Record<string, unknown>) {
  return (schema: z.ZodType, io: "input" | "output"): Json => {
    const raw = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json;
    const text = JSON.stringify(raw).replaceAll('"#/$defs/', '"#/components/schemas/');
    const { $schema: _, $defs, ...rest } = JSON.parse(text) as Json & { $defs?: Record<string, unknown> };
    Object.assign(components, $defs ?? {});
    return rest;
  };
}

function parameters(route: RouteSpec, convert: ReturnType<typeof converter>): Json[] {
  const out: Json[] = [];
  const add = (where: "path" | "query" | "header", obj: z.ZodObject | undefined) => {
    if (!obj) return;
    for (const [name, field] of Object.entries(obj.shape)) {
      const schema = convert(field as z.ZodType, "input");
      const { description, ...rest } = schema;
      const required = where === "path" || !(field as z.ZodType).safeParse(undefined).success;
      out.push({ name, in: where, required, schema: rest, ...(description ? { description } : {}) });
    }
  };
  add("path", route.request?.params);
  add("query", route.request?.query);
  add("header", route.request?.headers);
  return out;
}

function response(spec: ResponseSpec, convert: ReturnType<typeof converter>): Json {
  const content: Record<string, Json> = {};
  if (spec.json) content["application/json"] = { schema: convert(spec.json, "output") };
  if (spec.contentType) content[spec.contentType] = { schema: { type: "string", format: "binary" } };
  if (spec.events) {
    const events = Object.entries(spec.events).map(([event, data]) => ({
      type: "object",
      description: `event: ${event}`,
      properties: { event: { const: event }, data: convert(data, "output") },
    }));
    content["text/event-stream"] = { schema: { oneOf: events } };
  }
  return { description: spec.description, ...(Object.keys(content).length > 0 ? { content } : {}) };
}

function operation(id: string, route: RouteSpec, convert: ReturnType<typeof converter>): Json {
  const body = route.request?.body;
  const requestBody =
    body === undefined
      ? undefined
      : body instanceof z.ZodType
        ? { required: true, content: { "application/json": { schema: convert(body, "input") } } }
        : { required: true, description: body.description, content: { [body.contentType]: { schema: { type: "string", format: "binary" } } } };
  const params = parameters(route, convert);
  return {
    operationId: id,
    summary: route.summary,
    tags: [route.tag],
    ...(route.description ? { description: route.description } : {}),
    ...(route.auth ? { security: [{ adminSignature: [] }, {}] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: Object.fromEntries(Object.entries(route.responses).map(([status, spec]) => [status, response(spec, convert)])),
  };
}

/** The whole document; `version` is the node's. */
export function openApiDocument(version: string): Json {
  const schemas: Record<string, unknown> = {};
  const convert = converter(schemas);
  const paths: Record<string, Json> = {};
  for (const [id, route] of Object.entries(apiRoutes) as [string, RouteSpec][]) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation(id, route, convert) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Orrery node HTTP API",
      version,
      description:
        "Every node serves the same API. Errors are JSON {error, code}. The S3 API (its own port) and WebDAV (/dav/) follow their own protocols and are not listed here.",
    },
    tags: [
      { name: "files", description: "files and directories" },
      { name: "versions", description: "versioned folders: a file's kept versions, restores, the trash" },
      { name: "accounts", description: "logins, users, API tokens and folder shares (nodes that ask for logins)" },
      { name: "cluster", description: "members, the ring, status and health" },
      { name: "events", description: "timelines and server-sent event streams" },
      { name: "admin", description: "operator actions: loopback nodes serve them freely, others ask for a signed request" },
      { name: "meta", description: "metrics and this reference" },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        adminSignature: { type: "http", scheme: "Orrery-Admin", description: "a request signed with the cluster key (the orrery CLI signs with --key-file)" },
      },
    },
  };
}
