// Paxos conditional writes over the in-memory RPC, against a model: racing "create if absent" and
// "replace if unchanged" from three proposers decide exactly one winner per round of the race; a minority
// of owners cannot decide; a value left accepted by a proposer that vanished is found and applied.
import { beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { fileChange } from "../metadata/test-fixtures.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import type { Method, RequestOf, ResponseOf } from "../rpc/methods.ts";
import { type CallOptions, type PeerRpc, PeerRpcBase } from "../rpc/peer-rpc.ts";
import { TransferError } from "../transfer/transfer-error.ts";
import { quiet } from "../rpc/peer-rpc.case.ts";
import { Placement } from "../replication/placement.ts";
import { Acceptor } from "./acceptor.ts";
import { MemoryAcceptorStore } from "./acceptor-store.ts";
import { ConditionalWrites, PreconditionFailed } from "./conditional-writes.ts";
import { httpPrecondition } from "./http-preconditions.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});

const noStore = { put: async () => ({ created: false }), get: async (): Promise<Uint8Array> => new Uint8Array(), has: () => false };
const ids = ["a", "b", "c"];
const etag = (m: Manifest) => m.sha256 ?? "";

/** Lets a test step in when a proposer's call goes out (drop it, or run something first). */
class Intercepted extends PeerRpcBase {
  constructor(
    private readonly inner: PeerRpc,
    private readonly hook: (to: string, method: Method) => Promise<"drop" | "pass">,
  ) {
    super();
  }

  get selfId(): string {
    return this.inner.selfId;
  }

  async call<M extends Method>(memberId: string, method: M, request: RequestOf<M>, opts?: CallOptions): Promise<ResponseOf<M>> {
    if ((await this.hook(memberId, method)) === "drop") throw new TransferError("connect", `dropped ${method} to ${memberId}`, memberId);
    return this.inner.call(memberId, method, request, opts);
  }
}

/** Three nodes, each an acceptor and a proposer; `rows` stands for each node's manifest store. */
function setup(hooks: Record<string, (to: string, method: Method) => Promise<"drop" | "pass">> = {}) {
  const net = new MemoryNetwork();
  const rows = new Map<string, Map<string, Manifest>>(ids.map((id) => [id, new Map()]));
  const proposers = new Map<string, ConditionalWrites>();
  for (const id of ids) {
    const acceptor = new Acceptor(new MemoryAcceptorStore(), (p) => rows.get(id)!.get(p));
    const registered = net.register(id, {
      store: noStore,
      handlers: { "paxos.prepare": (_f, r) => acceptor.prepare(r), "paxos.accept": (_f, r) => acceptor.accept(r) },
    });
    const hook = hooks[id];
    const rpc = hook ? new Intercepted(registered, hook) : registered;
    const placement = new Placement(3, h, 16);
    placement.update(ids.map((m) => testMember(m)));
    proposers.set(id, new ConditionalWrites({ selfId: id, placement, rpc, log: quiet }));
  }
  /** What a successful write does next: commit the row on every node (the real one pushes it). */
  const commit = (row: Manifest) => {
    for (const r of rows.values()) r.set(row.path, row);
  };
  return { net, rows, proposers, commit };
}

describe("conditional writes", () => {
  test("create-if-absent raced from three nodes, 20 times: exactly one wins each time", async () => {
    const { proposers, commit } = setup();
    for (let i = 0; i < 20; i++) {
      const path = `k${i}`;
      const results = await Promise.allSettled(
        ids.map(async (id) => {
          const d = await proposers.get(id)!.decide(fileChange(path, 10, `${id}${i}`), httpPrecondition(null, "*", etag)!);
          commit(d.row);
          return id;
        }),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won.length).toBe(1);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(PreconditionFailed);
    }
  });

  test("replace-if-unchanged from two nodes with the same ETag: one wins, the other sees its ETag", async () => {
    const { proposers, commit, rows } = setup();
    const first = await proposers.get("a")!.decide(fileChange("doc", 10, "v1"), httpPrecondition(null, "*", etag)!);
    commit(first.row);
    const seen = `"${first.row.sha256}"`;
    const results = await Promise.allSettled(
      ["b", "c"].map(async (id) => {
        const d = await proposers.get(id)!.decide(fileChange("doc", 10, `from ${id}`), httpPrecondition(seen, null, etag)!);
        commit(d.row);
        return id;
      }),
    );
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
    const loser = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(String(loser.reason.message)).toContain("If-Match: the current ETag is");
    expect(rows.get("a")!.get("doc")!.version > first.row.version).toBe(true);
  });

  test("a minority cannot decide; a majority can", async () => {
    const { net, proposers } = setup();
    net.setDown("b", true);
    const d = await proposers.get("a")!.decide(fileChange("m1"), httpPrecondition(null, "*", etag)!);
    expect(d.row.path).toBe("m1");
    net.setDown("c", true);
    await expect(proposers.get("a")!.decide(fileChange("m2"), httpPrecondition(null, "*", etag)!)).rejects.toMatchObject({ status: 503 });
  });

  test("a write whose first accept reached a minority, completed meanwhile by a rival round, reports success, not 412", async () => {
    let rival: Promise<unknown> | undefined;
    let dropped = 0;
    const { proposers, commit, rows } = setup({
      // a's first accept reaches only a itself; before a retries, b runs its own create-if-absent.
      a: async (to, method) => {
        if (method !== "paxos.accept" || to === "a" || dropped >= 2) return "pass";
        dropped++;
        await Bun.sleep(10); // a's own acceptor has taken the value by now
        rival ??= proposers
          .get("b")!
          .decide(fileChange("x", 10, "from b"), httpPrecondition(null, "*", etag)!, async (row) => commit(row))
          .catch((err) => err);
        await rival;
        return "drop";
      },
      // b cannot reach c, so its rounds hear from a, whose acceptor holds a's value.
      b: async (to) => (to === "c" ? "drop" : "pass"),
    });
    const mine = fileChange("x", 10, "from a");
    const d = await proposers.get("a")!.decide(mine, httpPrecondition(null, "*", etag)!);
    expect(await rival).toBeInstanceOf(PreconditionFailed);
    expect(d.row.sha256).toBe(mine.sha256);
    expect(rows.get("c")!.get("x")!.sha256).toBe(mine.sha256);
  });

  test("a value a vanished proposer left accepted is what the next round sees, and it gets applied", async () => {
    const { proposers, commit } = setup();
    // a decides but never commits (it crashed right after the accept phase).
    const orphan = await proposers.get("a")!.decide(fileChange("o", 10, "orphan"), httpPrecondition(null, "*", etag)!);
    const applied: Manifest[] = [];
    await expect(
      proposers.get("b")!.decide(fileChange("o", 10, "late"), httpPrecondition(null, "*", etag)!, async (row) => {
        applied.push(row);
        commit(row);
      }),
    ).rejects.toBeInstanceOf(PreconditionFailed);
    expect(applied.map((r) => r.version)).toEqual([orphan.row.version]);
    // Replacing it is decided against it.
    const next = await proposers.get("c")!.decide(fileChange("o", 10, "next"), httpPrecondition(`"${orphan.row.sha256}"`, null, etag)!);
    expect(next.previous?.version).toBe(orphan.row.version);
  });
});
