// Request/response calls between virtual nodes (the chunk frames and the JSON RPC methods of rpc/)
// over the simulated network: a lost request or answer, or an unreachable node, is a timeout.
import { type PushBody, pushBodySchema, parseBody, type SyncRequest, syncRequestSchema, type SyncResponse, syncResponseSchema } from "../metadata/sync.ts";
import { jsonMethods } from "../rpc/methods.ts";
import type { SimContext } from "./context.ts";

export interface RpcMap {
  /** PUT_CHUNK: answered after the copy is durable. */
  put: { req: { chunk: string }; res: { stored: true } };
  /** HAS: which of these chunks the node holds. */
  has: { req: { chunks: string[] }; res: { present: boolean[] } };
  /** GET_CHUNK: whether the node could serve it. */
  get: { req: { chunk: string }; res: { found: boolean } };
  /** manifests.push */
  push: { req: PushBody; res: { applied: number } };
  /** manifests.sync */
  sync: { req: SyncRequest; res: SyncResponse };
  /** chunks.digests */
  "chunk-digests": { req: { peer: string; ring: string }; res: { ring: string; digests: string[] } };
  /** chunks.ids */
  "chunk-ids": { req: { peer: string; ring: string; ranges: number[] }; res: { ids: string[] } };
}
export type RpcName = keyof RpcMap;
export type RpcResult<K extends RpcName> = { ok: true; res: RpcMap[K]["res"] } | { ok: false; error: string };

export type RpcHandler = <K extends RpcName>(name: K, req: RpcMap[K]["req"]) => RpcMap[K]["res"];

/** Re-parses a body as the receiving route would (wire mode only). */
function overWire<K extends RpcName>(name: K, body: unknown, direction: "req" | "res"): unknown {
  const copy = JSON.parse(JSON.stringify(body));
  if (name === "push" && direction === "req") return parseBody(pushBodySchema, copy);
  if (name === "sync") return direction === "req" ? parseBody(syncRequestSchema, copy) : syncResponseSchema.parse(copy);
  if (name === "chunk-digests" || name === "chunk-ids") {
    const method = name === "chunk-digests" ? "chunks.digests" : "chunks.ids";
    if (direction === "res") return jsonMethods[method].response.parse(copy);
    // `peer` models the caller's id, which the real wire authenticates in the handshake, not the body.
    const { peer, ...rest } = copy as { peer: string };
    return { peer, ...parseBody(jsonMethods[method].request, rest) };
  }
  return copy;
}

/** One process's side of the calls it makes; dies with the process (its callbacks never run after). */
export class RpcEndpoint {
  private next = 0;
  private readonly pending = new Map<number, (r: RpcResult<RpcName>) => void>();

  constructor(
    private readonly selfId: string,
    private readonly ctx: SimContext,
    private readonly alive: () => boolean,
  ) {}

  call<K extends RpcName>(to: string, name: K, req: RpcMap[K]["req"], timeoutMs: number, cb: (r: RpcResult<K>) => void): void {
    const id = ++this.next;
    this.pending.set(id, cb as (r: RpcResult<RpcName>) => void);
    const { ctx, selfId } = this;
    ctx.events.after(timeoutMs, () => this.settle(id, { ok: false, error: `no answer from ${to} within ${timeoutMs} ms` }));
    ctx.net.send(selfId, to, () => {
      const server = ctx.running(to);
      if (!server) return; // nobody listening: the caller times out
      let answer: RpcResult<K>;
      try {
        const res = server.handle(name, (ctx.wire ? overWire(name, req, "req") : req) as RpcMap[K]["req"]);
        answer = { ok: true, res: (ctx.wire ? overWire(name, res, "res") : res) as RpcMap[K]["res"] };
      } catch (err) {
        answer = { ok: false, error: `${to}: ${err instanceof Error ? err.message : String(err)}` };
      }
      ctx.net.send(to, selfId, () => this.settle(id, answer));
    });
  }

  private settle(id: number, r: RpcResult<RpcName>): void {
    const cb = this.pending.get(id);
    if (!cb || !this.alive()) return;
    this.pending.delete(id);
    cb(r);
  }
}
