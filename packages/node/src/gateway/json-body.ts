// A JSON request body checked against a zod schema: 400 malformed_json or invalid_body naming the first
// problem, never a crash and never an unchecked field.
import type { z } from "zod";
import { badRequest } from "../errors.ts";

export async function jsonBody<T extends z.ZodType>(req: Request, schema: T): Promise<z.output<T>> {
  let data: unknown;
  try {
    data = await req.json();
  } catch {
    throw badRequest("malformed_json", "request body is not valid JSON");
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest("invalid_body", `${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  return parsed.data;
}
