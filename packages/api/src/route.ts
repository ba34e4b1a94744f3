// What one route of the contract says: method, path, summary, the request's parts and the answer per status.
// Plain data plus zod schemas, so the gateway, the clients, the tests and the OpenAPI generator read the same thing.
import { z } from "zod";

export type Method = "get" | "head" | "put" | "post" | "patch" | "delete";

/** One answer of a route: JSON described by a schema, another body type, or a server-sent event stream. */
export interface ResponseSpec {
  description: string;
  /** The JSON body. */
  json?: z.ZodType;
  /** A body that is not JSON (file bytes, HTML, Prometheus text); `json` and `events` leave it out. */
  contentType?: string;
  /** `text/event-stream`: each event's name and the schema of its (JSON) data. */
  events?: Record<string, z.ZodType>;
}

export interface RouteSpec {
  method: Method;
  /**
   * Hono's spelling, as the gateway registers it: `:name` is one segment, a trailing `*` the rest of the path
   * (OpenAPI shows both as `{name}` / `{path}`).
   */
  path: string;
  summary: string;
  /** Groups routes in the OpenAPI document and on /api/docs. */
  tag: "files" | "versions" | "accounts" | "cluster" | "events" | "admin" | "meta";
  description?: string;
  /** `admin`: a loopback-only node serves it to anyone, any other node asks for a signed admin credential. */
  auth?: "admin";
  request?: {
    params?: z.ZodObject;
    query?: z.ZodObject;
    headers?: z.ZodObject;
    /** A JSON body, or the content type of a raw one (an upload). */
    body?: z.ZodType | { contentType: string; description: string };
  };
  responses: Record<number, ResponseSpec>;
}

/** The error body every failure carries (the gateway's errors.ts). */
export const errorSchema = z
  .object({
    error: z.string().describe("what went wrong, in words"),
    code: z.string().describe("a stable machine-readable code, e.g. invalid_path, not_found, quorum_unavailable"),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "Error" });
export type ApiError = z.output<typeof errorSchema>;

/** An error answer (`{error, code}`) with what it means on this route. */
export const failure = (description: string): ResponseSpec => ({ description, json: errorSchema });

/** Keeps the literal types of a route table (the `ResponseOf`/`BodyOf` helpers need them). */
export const defineRoutes = <const T extends Record<string, RouteSpec>>(routes: T): T => routes;
