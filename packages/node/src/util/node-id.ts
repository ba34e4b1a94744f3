// What a node id may be, in one place: config, gossip, discovery, handshakes and manifest versions all
// check the same rule. Ids become keys of maps and of plain JSON objects (marks), so names that plain
// objects already carry (`__proto__`, `constructor`, `toString`, ...) are refused outright.
import { z } from "zod";

export const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const NODE_ID_RULE = "1-64 letters, digits, '.', '_' or '-', and not a reserved name like __proto__ or constructor";

const RESERVED = new Set(Object.getOwnPropertyNames(Object.prototype));

export function isNodeId(id: string): boolean {
  return NODE_ID_PATTERN.test(id) && !RESERVED.has(id);
}

export const nodeIdSchema = z.string().refine(isNodeId, `node id: ${NODE_ID_RULE}`);
