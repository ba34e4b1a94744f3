// The handshake and the record layer without sockets: both sides prove the key, agree on keys, and any
// change to the bytes is caught.
import { describe, expect, test } from "bun:test";
import { ClusterKey } from "./cluster-key.ts";
import { ClientHandshake, HandshakeError, ServerHandshake } from "./handshake.ts";
import { Keyring } from "./keyring.ts";

const ring = Keyring.of(new ClusterKey("handshake-test-key-0123456789abcdefghij"));
const otherRing = Keyring.of(new ClusterKey("a-key-from-another-cluster-0123456789ab"));

function run(client: ClientHandshake, server: ServerHandshake) {
  const hello = server.receiveHello(client.hello())!;
  if (hello.refusal) throw hello.refusal;
  const done = client.receive(hello.reply)!;
  const finished = server.receiveFinish(done.finish)!;
  return { client: done.session, server: finished.session };
}

describe("handshake", () => {
  test("both ends learn who the other is and derive mirrored keys; encryption if either asks", () => {
    const { client, server } = run(new ClientHandshake(ring, "a", "b", false), new ServerHandshake(ring, "b", true));
    expect([client.peerId, server.peerId]).toEqual(["b", "a"]);
    expect(client.sendKey.equals(server.recvKey)).toBe(true);
    expect(client.recvKey.equals(server.sendKey)).toBe(true);
    expect(client.sendKey.equals(client.recvKey)).toBe(false);
    expect([client.encrypt, server.encrypt]).toEqual([true, true]);
    const plain = run(new ClientHandshake(ring, "a", "b", false), new ServerHandshake(ring, "b", false));
    expect([plain.client.encrypt, plain.server.encrypt]).toEqual([false, false]);
    // Fresh keys every time.
    const again = run(new ClientHandshake(ring, "a", "b", false), new ServerHandshake(ring, "b", false));
    expect(again.client.sendKey.equals(plain.client.sendKey)).toBe(false);
  });

  test("another key is refused by the server; a server without our key cannot prove it; the wrong node is refused", () => {
    const refused = new ServerHandshake(ring, "b", false).receiveHello(new ClientHandshake(otherRing, "x", "b", false).hello())!;
    expect(refused.refusal?.reason).toBe("unknown_key");
    expect(() => new ClientHandshake(otherRing, "x", "b", false).receive(refused.reply)).toThrow(/does not hold your cluster key/);

    // A server that claims our key id without holding the key: its MAC fails at the client.
    const client = new ClientHandshake(ring, "a", "b", false);
    const impostorRing = Keyring.of(new ClusterKey("handshake-test-key-0123456789abcdefghij"));
    const impostor = new ServerHandshake(impostorRing, "b", false);
    const reply = impostor.receiveHello(client.hello())!.reply;
    reply[reply.length - 1]! ^= 1;
    expect(() => client.receive(reply)).toThrow(HandshakeError);

    const wrong = new ServerHandshake(ring, "c", false).receiveHello(new ClientHandshake(ring, "a", "b", false).hello())!;
    expect(wrong.refusal?.reason).toBe("wrong_node");
    // A ServerHello from node c to a client that wanted b.
    const c2 = new ClientHandshake(ring, "a", "b", false);
    const fromC = new ServerHandshake(ring, "c", false).receiveHello(new ClientHandshake(ring, "a", "", false).hello())!.reply;
    expect(() => c2.receive(fromC)).toThrow(/expected node b/);
  });

  test("partial input asks for more; garbage and oversized ids are malformed", () => {
    const server = new ServerHandshake(ring, "b", false);
    const hello = new ClientHandshake(ring, "a", "b", false).hello();
    expect(server.receiveHello(hello.subarray(0, 40))).toBeUndefined();
    expect(() => new ServerHandshake(ring, "b", false).receiveHello(Buffer.from("GET / HTTP/1.1\r\n"))).toThrow(/not an Orrery handshake/);
    const bad = Buffer.from(hello);
    bad[78] = 200; // id length
    expect(() => new ServerHandshake(ring, "b", false).receiveHello(bad)).toThrow(/node id of 200 bytes/);
  });
});
