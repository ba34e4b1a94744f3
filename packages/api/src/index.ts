// @orrery/api: the node's HTTP API contract. Schemas by area, the route table, and the OpenAPI generator.
// Type-only imports cost a browser bundle nothing; a value import brings zod along (the node and the tests).
export * from "./accounts.ts";
export * from "./admin.ts";
export * from "./audit.ts";
export * from "./cluster.ts";
export * from "./files.ts";
export * from "./versions.ts";
export { openApiDocument, openApiPath } from "./openapi.ts";
export { type ApiError, errorSchema, failure, type Method, type ResponseSpec, type RouteSpec } from "./route.ts";
export { apiRoutes, type ApiRoutes, type BodyOf, type EventOf, type ResponseOf, type RouteId } from "./routes.ts";
