// Tests read the node's answers through the API contract (@orrery/api): an answer is parsed with the route's
// schema for its status, so a test that reads a field also checks the shape the contract promises.
import { apiRoutes, type ApiError, errorSchema, type ResponseOf, type ResponseSpec, type RouteId } from "@orrery/api";
import type { z } from "zod";

function responseSpec(id: RouteId, status: number): ResponseSpec {
  const spec = (apiRoutes[id].responses as Record<number, ResponseSpec>)[status];
  if (!spec) throw new Error(`the contract has no ${status} answer for ${id}`);
  return spec;
}

/** Fields the answer has and the contract does not name (zod drops them quietly): each is drift. */
function unnamedFields(raw: unknown, parsed: unknown, at: string, out: string[]): string[] {
  if (Array.isArray(raw) && Array.isArray(parsed)) raw.forEach((v, i) => unnamedFields(v, parsed[i], `${at}[${i}]`, out));
  else if (raw && parsed && typeof raw === "object" && typeof parsed === "object") {
    for (const [key, value] of Object.entries(raw)) {
      if (!(key in parsed)) out.push(`${at}.${key}`);
      else unnamedFields(value, (parsed as Record<string, unknown>)[key], `${at}.${key}`, out);
    }
  }
  return out;
}

function parseWith<T>(schema: z.ZodType, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new Error(`${what} does not match the contract: ${JSON.stringify(parsed.error.issues.slice(0, 5))}\n${JSON.stringify(data).slice(0, 2000)}`);
  const unnamed = unnamedFields(data, parsed.data, "answer", []);
  if (unnamed.length > 0) throw new Error(`${what} has fields the contract does not name: ${unnamed.slice(0, 10).join(", ")}`);
  return parsed.data as T;
}

/** The JSON answer of route `id`, which must have come with `status` (200 unless named) and match its schema. */
export async function answer<Id extends RouteId, S extends number = 200>(
  res: Response,
  id: Id,
  status: S = 200 as S,
): Promise<S extends keyof (typeof apiRoutes)[Id]["responses"] ? ResponseOf<Id, S> : never> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${id}: expected ${status}, got ${res.status}: ${text.slice(0, 500)}`);
  const schema = responseSpec(id, status).json;
  if (!schema) throw new Error(`the contract's ${status} answer of ${id} is not JSON`);
  return parseWith(schema, JSON.parse(text), `${id} ${status}`);
}

/** GET `url` and read it as route `id`'s 200 answer (parsed with the contract's schema). */
export async function getAnswer<Id extends RouteId>(url: string, id: Id, init?: RequestInit): Promise<ResponseOf<Id, 200 & keyof (typeof apiRoutes)[Id]["responses"]>> {
  return answer(await fetch(url, init), id, 200);
}

/** An error answer: `{error, code}` with the given status. */
export async function errorAnswer(res: Response, status: number): Promise<ApiError> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text.slice(0, 500)}`);
  return parseWith(errorSchema, JSON.parse(text), `error ${status}`);
}

/**
 * Reads a server-sent event stream until the first event named in the contract's 200 answer of `id` other than
 * `skip`, checks its data against the event's schema and closes the stream.
 */
export async function firstEvent(url: string, id: RouteId, skip: readonly string[] = ["ping"]): Promise<{ event: string; data: unknown }> {
  const events = responseSpec(id, 200).events;
  if (!events) throw new Error(`${id} is not an event stream in the contract`);
  const ctl = new AbortController();
  const res = await fetch(url, { signal: ctl.signal });
  if (res.status !== 200) throw new Error(`${id}: ${res.status} ${await res.text()}`);
  if (!res.headers.get("content-type")?.startsWith("text/event-stream")) throw new Error(`${id}: not an event stream`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${id}: the stream ended before an event`);
      buffered += value;
      let end: number;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? "message";
        const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.replace(/^data: ?/, "")).join("\n");
        if (skip.includes(event)) continue;
        const schema = events[event];
        if (!schema) throw new Error(`${id}: event '${event}' is not in the contract`);
        return { event, data: parseWith(schema, JSON.parse(data), `${id} event ${event}`) };
      }
    }
  } finally {
    ctl.abort();
  }
}

/** Adds users as the admin whose Basic credential is `adminAuth` (each password from `passwordOf`); throws on anything but 201. */
export async function addUsers(url: string, adminAuth: string, names: readonly string[], passwordOf: (name: string) => string): Promise<void> {
  for (const name of names) {
    const res = await fetch(`${url}/api/users`, {
      method: "POST",
      headers: { authorization: adminAuth, "content-type": "application/json" },
      body: JSON.stringify({ name, password: passwordOf(name) }),
    });
    if (res.status !== 201) throw new Error(`adding user ${name}: ${res.status} ${await res.text()}`);
  }
}
