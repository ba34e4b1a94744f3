// A logger per component, so every line says which node and which component spoke.
// Lines are JSON on stderr; LOG_LEVEL picks the threshold (debug, info, warn, error).

type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: number = order[(process.env.LOG_LEVEL as Level) ?? "info"] ?? order.info;
let nodeId = "-";

export function setLogNodeId(id: string): void {
  nodeId = id;
}

export function setLogLevel(level: Level): void {
  threshold = order[level];
}

export interface Logger {
  debug(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

function emit(level: Level, component: string, msg: string, ctx?: Record<string, unknown>) {
  if (order[level] < threshold) return;
  const line: Record<string, unknown> = { t: new Date().toISOString(), level, node: nodeId, component, msg };
  if (ctx) {
    for (const [k, v] of Object.entries(ctx)) line[k] = v instanceof Error ? v.message : v;
  }
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

export function logger(component: string): Logger {
  return {
    debug: (m, c) => emit("debug", component, m, c),
    info: (m, c) => emit("info", component, m, c),
    warn: (m, c) => emit("warn", component, m, c),
    error: (m, c) => emit("error", component, m, c),
  };
}
