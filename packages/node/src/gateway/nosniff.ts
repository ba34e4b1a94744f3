// `X-Content-Type-Options: nosniff` on every response of the HTTP port: a browser then takes the
// declared type at its word and never guesses script or HTML from the bytes of a JSON answer, an error
// or a stored file.
import type { MiddlewareHandler } from "hono";

/**
 * Adds nosniff to whatever the rest of the app answered, errors and 404s included.
 *
 * @example app.use(nosniff())
 */
export function nosniff(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    try {
      c.res.headers.set("x-content-type-options", "nosniff");
    } catch {
      // A response whose headers are immutable (one passed through from fetch): copy it.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set("x-content-type-options", "nosniff");
    }
  };
}
