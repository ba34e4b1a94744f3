// The acceptor side of a Paxos round on one path (conditional writes, consensus/conditional-writes.ts):
// promise a ballot higher than any promised before and answer with the last accepted value and this
// node's current row; accept a value under a ballot at least as high as the promise. Every answer is
// given only after the new state is durable.
import { badRequest } from "../errors.ts";
import type { Manifest } from "../metadata/manifest.ts";
import type { JsonRequest, JsonResponse } from "../rpc/methods.ts";
import type { AcceptorStore } from "./acceptor-store.ts";

export class Acceptor {
  constructor(
    private readonly store: AcceptorStore,
    /** This node's current row for a path (its manifest store). */
    private readonly current: (path: string) => Manifest | undefined,
  ) {}

  prepare(req: JsonRequest<"paxos.prepare">): JsonResponse<"paxos.prepare"> {
    const state = this.store.get(req.path);
    const accepted = state?.accepted ?? null;
    const current = this.current(req.path) ?? null;
    if (state && req.ballot <= state.promised) return { promised: false, ballot: state.promised, accepted, current };
    this.store.put(req.path, { promised: req.ballot, ...(state?.accepted ? { accepted: state.accepted } : {}) });
    return { promised: true, ballot: req.ballot, accepted, current };
  }

  accept(req: JsonRequest<"paxos.accept">): JsonResponse<"paxos.accept"> {
    if (req.row.path !== req.path) throw badRequest("invalid_body", "the value's path is not the round's path");
    const state = this.store.get(req.path);
    if (state && req.ballot < state.promised) return { accepted: false, ballot: state.promised };
    this.store.put(req.path, { promised: req.ballot, accepted: { ballot: req.ballot, row: req.row } });
    return { accepted: true, ballot: req.ballot };
  }
}
