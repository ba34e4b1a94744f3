// The chunk reader over the in-memory RPC: which holders it asks and in what order, hedging past a hung
// one, and the readability check that comes before a 200.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { testMember } from "../membership/test-member.ts";
import type { MemberState } from "../membership/types.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { MEMBERS, quiet, tempStores } from "../rpc/peer-rpc.case.ts";
import { loadHash64, type Hash64 } from "../ring/index.ts";
import { ChunkReader, ChunkUnavailableError } from "./chunk-reader.ts";
import { Placement } from "./placement.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const chunk = (text: string) => {
  const data = new TextEncoder().encode(text);
  return { data, id: Bun.CryptoHasher.hash("sha256", data, "hex") as string };
};

function setup(states: Partial<Record<string, MemberState>> = {}) {
  const temp = tempStores();
  cleanup = temp.cleanup;
  const net = new MemoryNetwork({ connectMs: 100, dataMs: 5000, controlMs: 1000 });
  for (const id of MEMBERS) net.register(id, { store: temp.stores[id], handlers: {} });
  const rpc = net.register("a", { store: temp.stores.a, handlers: {} });
  const placement = new Placement(3, h, 16);
  placement.update(MEMBERS.map((id) => testMember(id, states[id] ?? "alive")));
  const bad: string[] = [];
  const reader = new ChunkReader({ selfId: "a", placement, store: temp.stores.a, rpc, log: quiet, onBadReplica: (c, m) => bad.push(`${c.slice(0, 6)}@${m}`) });
  return { net, reader, stores: temp.stores, placement, bad };
}

describe("ChunkReader", () => {
  test("asks alive holders before suspect ones, and never this node or dead ones remotely", () => {
    const { reader } = setup({ b: "suspect" });
    const { reader: withDead } = setup({ b: "dead" });
    const c = chunk("x");
    expect(reader.candidates(c.id)).toEqual(["c", "b"]);
    expect(withDead.candidates(c.id)).toEqual(["c"]);
  });

  test("a hung holder costs a hedge delay, not a timeout; a lacking owner is reported", async () => {
    const { net, reader, stores, bad } = setup();
    const c = chunk("hedged read");
    await stores.c.put(c.id, c.data);
    const [first] = reader.candidates(c.id);
    if (first === "b") net.setHung("b", true);
    else {
      // c is asked first: make it the hung one and give b the copy.
      net.setHung("c", true);
      await stores.b.put(c.id, c.data);
    }
    const started = performance.now();
    expect(new TextDecoder().decode(await reader.read(c.id))).toBe("hedged read");
    expect(performance.now() - started).toBeLessThan(1000);
    expect(bad).toEqual([]);

    // A holder that answers "not found" is reported (its copy gets queued) and the next one asked.
    net.setHung("b", false);
    net.setHung("c", false);
    const d = chunk("only on c");
    await stores.c.put(d.id, d.data);
    expect(new TextDecoder().decode(await reader.read(d.id))).toBe("only on c");
    expect(bad).toEqual([`${d.id.slice(0, 6)}@b`]);
  });

  test("ensureReadable passes when some live member holds each chunk, and names one none holds", async () => {
    const { net, reader, stores } = setup();
    const on = chunk("held");
    const off = chunk("held by nobody");
    await stores.b.put(on.id, on.data);
    await reader.ensureReadable([on.id]);
    await expect(reader.ensureReadable([on.id, off.id])).rejects.toBeInstanceOf(ChunkUnavailableError);
    net.setDown("b", true);
    await expect(reader.ensureReadable([on.id])).rejects.toMatchObject({ chunkId: on.id });
    await expect(reader.read(on.id)).rejects.toBeInstanceOf(ChunkUnavailableError);
  });
});
