import { expect, test } from "bun:test";
import { ApiError, describeError, errorFromBody } from "./errors.ts";

test("the node's {error, code} becomes an ApiError", () => {
  const e = errorFromBody(409, JSON.stringify({ error: "/a exists", code: "destination_exists" }));
  expect(e).toBeInstanceOf(ApiError);
  expect(e.message).toBe("/a exists");
  expect(e.code).toBe("destination_exists");
  expect(e.status).toBe(409);
});

test("a body that is not JSON still gives a message", () => {
  const e = errorFromBody(502, "<html>Bad gateway</html>", "Bad Gateway");
  expect(e.message).toBe("The node answered 502 Bad Gateway.");
  expect(e.code).toBe("http_502");
});

test("status 0 (no answer) means the node is unreachable", () => {
  expect(errorFromBody(0, "").code).toBe("unreachable");
});

test("refusals a user can act on come with a hint", () => {
  const msg = describeError(new ApiError("only 1 of 2 copies were written; nothing was stored", 503, "durability_unreachable"));
  expect(msg).toStartWith("Only 1 of 2 copies were written; nothing was stored.");
  expect(msg).toContain("choose “fast”");
  expect(describeError(new ApiError("store is full", 507, "store_full"))).toContain("Free space or add a node");
  expect(describeError(new ApiError("not found: /x", 404, "not_found"))).toBe("Not found: /x.");
});

test("network failures read as unreachable", () => {
  expect(describeError(new TypeError("Failed to fetch"))).toContain("unreachable");
  expect(describeError("boom")).toBe("boom");
});
