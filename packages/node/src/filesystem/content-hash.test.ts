// The whole-content hash S3's Complete needs, from stored chunks: local copies read in place, missing ones
// through the chunk reader, and a local copy found bad half-way hashed again from another holder.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { testMember } from "../membership/test-member.ts";
import type { Manifest } from "../metadata/manifest.ts";
import { type Hash64, loadHash64 } from "../ring/index.ts";
import { MemoryNetwork } from "../rpc/memory-rpc.ts";
import { MEMBERS, quiet, tempStores } from "../rpc/peer-rpc.case.ts";
import { ChunkReader } from "../replication/chunk-reader.ts";
import { Placement } from "../replication/placement.ts";
import { contentSha256 } from "./content-hash.ts";

let h: Hash64;
beforeAll(async () => {
  h = await loadHash64();
});
let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * seed + 7) % 251);
const idOf = (data: Uint8Array) => Bun.CryptoHasher.hash("sha256", data, "hex") as string;
const file = (path: string, chunks: Uint8Array[]) =>
  ({ path, kind: "file", chunks: chunks.map(idOf), size: chunks.reduce((s, c) => s + c.byteLength, 0) }) as unknown as Manifest;

function setup(factor = 3) {
  const temp = tempStores();
  cleanup = temp.cleanup;
  const net = new MemoryNetwork();
  for (const id of MEMBERS) net.register(id, { store: temp.stores[id], handlers: {} });
  const rpc = net.register("a", { store: temp.stores.a, handlers: {} });
  const placement = new Placement(factor, h, 16);
  placement.update(MEMBERS.map((id) => testMember(id)));
  const reader = new ChunkReader({ selfId: "a", placement, store: temp.stores.a, rpc, log: quiet });
  return { reader, stores: temp.stores, placement };
}

describe("contentSha256", () => {
  test("hashes files' chunks in order: local copies in place, the others through the reader", async () => {
    // Two copies of each chunk among three members, and a chunk this node does not own: an owner lacking its
    // copy restores it as it reads (read repair), which is not the hash's doing. (With every member an owner,
    // the test passed only while that repair's write was slower than the assertions.)
    const { reader, stores, placement } = setup(2);
    let seed = 5;
    while (placement.owners(idOf(bytes(12_345, seed))).includes("a")) seed++;
    const [one, two, three] = [bytes(700_000, 3), bytes(12_345, seed), bytes(300_000, 11)];
    await stores.a.put(idOf(one), one);
    await stores.b.put(idOf(two), two); // this node lacks it
    await stores.a.put(idOf(three), three);
    const whole = Buffer.concat([one, two, three]);
    const md5 = () => new Bun.CryptoHasher("md5");
    const got = await contentSha256([file("p1", [one, two]), file("p2", [three])], reader, quiet, md5);
    expect(got.sha256).toBe(idOf(whole));
    expect(got.extra!.digest("hex")).toBe(new Bun.CryptoHasher("md5").update(whole).digest("hex")); // the same pass feeds another digest
    expect(stores.a.has(idOf(two))).toBe(false); // read for the hash, not kept
  });

  test("a local copy found bad half-way: quarantined, and the hash is made again from another holder", async () => {
    const { reader, stores } = setup();
    const [one, two] = [bytes(600_000, 7), bytes(600_000, 13)];
    for (const s of [stores.a, stores.c]) {
      await s.put(idOf(one), one);
      await s.put(idOf(two), two);
    }
    const path = stores.a.pathOf(idOf(two));
    const onDisk = readFileSync(path);
    onDisk[onDisk.length - 1]! ^= 1; // found only at the end of the copy, after its pieces were hashed
    writeFileSync(path, onDisk);
    const again = await contentSha256([file("p", [one, two])], reader, quiet, () => new Bun.CryptoHasher("sha256"));
    expect(again.sha256).toBe(idOf(Buffer.concat([one, two])));
    expect(again.extra!.digest("hex")).toBe(again.sha256); // a fresh extra digest for the second attempt, not one fed twice
    expect(stores.a.has(idOf(two))).toBe(false);
  });

  test("content no live member holds fails rather than hashing what is there", async () => {
    const { reader, stores } = setup();
    const [one, gone] = [bytes(1000, 3), bytes(1000, 9)];
    await stores.a.put(idOf(one), one);
    await expect(contentSha256([file("p", [one, gone])], reader, quiet)).rejects.toThrow();
  });
});
