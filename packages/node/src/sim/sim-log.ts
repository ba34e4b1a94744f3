// The components' log lines, in the run's trace (info and above; debug is dropped), with the fields that
// say what a line is about, so a failing seed's story reads as the node's logs would.
import { errorMessage } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { SimContext } from "./context.ts";

const FIELDS = ["path", "peer", "chunk", "copies", "rows", "applied", "reason", "attempts"] as const;

function line(component: string, level: string, msg: string, ctx?: Record<string, unknown>): string {
  const parts = [`${component}${level === "info" ? "" : ` ${level.toUpperCase()}`}: ${msg}`];
  if (ctx) {
    for (const k of FIELDS) {
      const v = ctx[k];
      if (v === undefined) continue;
      parts.push(`${k}=${k === "chunk" && typeof v === "string" ? v.slice(0, 8) : String(v)}`);
    }
    if (ctx.err !== undefined) parts.push(`err=${errorMessage(ctx.err)}`);
  }
  return parts.join(" ");
}

export function simLogger(ctx: SimContext, nodeId: string, component: string): Logger {
  const emit = (level: string) => (msg: string, c?: Record<string, unknown>) => ctx.trace.log(ctx.events.now, nodeId, line(component, level, msg, c));
  return { debug: () => {}, info: emit("info"), warn: emit("warn"), error: emit("error") };
}
