// Drives the transfer port. Frame sessions hold a real, authenticated connection (PeerChannel, as the
// fuzzer "member"), write batches of malformed frames and wait for every answer the server owes; a
// frame that makes it hang up ends the batch and the session reconnects. Connection workers open a
// fresh TCP connection per input for garbage and broken handshakes.
import * as net from "node:net";
import type { Keyring } from "../src/security/keyring.ts";
import { FrameDecoder, FrameType } from "../src/transfer/frames.ts";
import { PeerChannel } from "../src/transfer/peer-channel.ts";
import type { FuzzMember } from "./gossip-inputs.ts";
import type { Pace } from "./pace.ts";
import type { Rng } from "./rng.ts";
import { preview, type Tally } from "./tally.ts";
import { type ConnectionInputs, type FrameInput, type FrameInputs, FUZZER_ID } from "./transfer-inputs.ts";
import { MAX_CHUNK_SIZE_BYTES } from "../src/store/chunk-storage.ts";

/** How long the server may take to answer a batch before the fuzzer calls it a hang. */
const ANSWER_TIMEOUT_MS = 20_000;
const MAX_BATCH = 24;

/** Resolves when `done()` holds (re-checked on every `wake`) or after `ms`; returns whether it held. */
function waitUntil(done: () => boolean, ms: number, register: (wake: () => void) => void): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(done()), ms);
    register(() => {
      if (!done()) return;
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** One frame session after another against one node, until stopped. */
export async function runFrameSessions(
  node: FuzzMember,
  encrypt: boolean,
  ctx: { keyring: Keyring; gen: FrameInputs; rng: Rng; pace: Pace; tally: Tally; stopped: () => boolean },
): Promise<void> {
  while (!ctx.stopped()) {
    const ok = await frameSession(node, encrypt, ctx);
    if (!ok) await Bun.sleep(200);
  }
}

async function frameSession(
  node: FuzzMember,
  encrypt: boolean,
  { keyring, gen, rng, pace, tally, stopped }: { keyring: Keyring; gen: FrameInputs; rng: Rng; pace: Pace; tally: Tally; stopped: () => boolean },
): Promise<boolean> {
  const socket = net.connect({ host: "127.0.0.1", port: node.transferPort, noDelay: true });
  socket.on("error", () => {});
  let channel: PeerChannel;
  try {
    channel = await PeerChannel.connect(socket, node.id, { keyring, selfId: FUZZER_ID, encrypt, timeoutMs: 10_000 });
  } catch (err) {
    socket.destroy();
    tally.anomaly("handshake-refused", `${node.id}: ${(err as Error).message}`);
    return false;
  }
  tally.note(`frame sessions opened (${encrypt ? "encrypted" : "plain"})`);
  let answered = 0;
  let errors = 0;
  let lastError = "";
  let closed = false;
  let wake: () => void = () => {};
  const decoder = new FrameDecoder({ maxChunkSize: MAX_CHUNK_SIZE_BYTES, accept: "responses" });
  channel.onData((bytes) => {
    try {
      for (const ev of decoder.push(bytes)) {
        // The server's reason for hanging up, for the report.
        if (ev.kind === "body" && ev.head.type === FrameType.ERROR) lastError += Buffer.from(ev.bytes).toString("utf8");
        if (ev.kind !== "end") continue;
        if (ev.head.type === FrameType.ERROR) errors++;
        else answered++;
      }
    } catch {
      tally.note("unreadable answer from the server");
      socket.destroy();
    }
    wake();
  });
  channel.onError(() => {});
  socket.on("close", () => {
    closed = true;
    wake();
  });
  const register = (fn: () => void) => (wake = fn);

  try {
    while (!stopped() && !closed) {
      await pace.one();
      const batch: FrameInput[] = [];
      const size = Math.max(1, pace.allowance(rng.int(1, MAX_BATCH) - 1) + 1);
      while (batch.length < size) {
        const f = gen.next(encrypt);
        batch.push(f);
        if (f.fate !== "answered") break;
      }
      const owed = answered + batch.filter((f) => f.fate === "answered").length;
      for (const f of batch) {
        const flushed = f.raw ? socket.write(f.bytes) : channel.write(f.bytes);
        tally.sent(node.id, f.family, f.bytes);
        if (!flushed && !closed) await channel.drained();
        if (closed) break;
      }
      const last = batch[batch.length - 1]!;
      const t0 = performance.now();
      const gotAll = await waitUntil(() => answered >= owed || closed, ANSWER_TIMEOUT_MS, register);
      tally.latency(performance.now() - t0, () => `${node.id} batch of ${batch.length}: ${batch.map((f) => `${f.family} ${f.bytes.byteLength} B`).join(", ")}`);
      if (!gotAll) {
        tally.anomaly("unanswered", `${node.id} owed ${owed - answered} answers for ${JSON.stringify(batch.map((f) => f.family))}; last ${preview(last.bytes, 80)}`);
        break;
      }
      // Garbage under the record layer may arrive in one segment with the records before it, and the
      // server drops that whole read: answers owed before it are not owed any more.
      if (answered < owed && !last.raw) {
        tally.anomaly("unexpected-close", `${node.id} closed with ${owed - answered} answers owed (ERROR: ${JSON.stringify(lastError.slice(0, 200))}) after ${JSON.stringify(batch.map((f) => f.family))}`);
        break;
      }
      if (last.fate === "closes") {
        if (!(await waitUntil(() => closed, 3000, register))) tally.note("server kept a connection open after a frame it should refuse");
        break;
      }
      if (last.fate === "stalls") {
        await Bun.sleep(20);
        break;
      }
    }
  } finally {
    socket.destroy();
  }
  return true;
}

/** One connection per input: garbage and broken handshakes from outsiders (and a member's wrong turns). */
export async function runConnections(
  nodes: readonly FuzzMember[],
  ctx: { gen: ConnectionInputs; rng: Rng; pace: Pace; tally: Tally; stopped: () => boolean },
): Promise<void> {
  while (!ctx.stopped()) {
    await ctx.pace.one();
    const node = ctx.rng.pick(nodes);
    const input = ctx.gen.next(node.id, nodes.filter((n) => n !== node).map((n) => n.id));
    await new Promise<void>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port: node.transferPort, noDelay: true });
      let answered = false;
      const finish = () => {
        socket.destroy();
        resolve();
      };
      socket.on("error", finish);
      socket.on("close", finish);
      socket.on("data", () => {
        if (answered) return;
        answered = true;
        if (input.finish) socket.write(input.finish);
        setTimeout(finish, 200);
      });
      socket.write(input.hello);
      // Most inputs are refused at once; a partial handshake is left hanging a little, then dropped.
      setTimeout(finish, input.finish ? 600 : ctx.rng.chance(0.9) ? 100 : 1500);
    });
    ctx.tally.sent(node.id, input.family, input.hello);
  }
}
