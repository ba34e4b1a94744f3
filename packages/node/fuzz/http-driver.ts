// Sends the HTTP inputs as raw bytes, one connection each (Connection: close), so nothing is normalised
// on the way; reads only the status line and headers. Judges each answer: a write answered 2xx, a whole
// request left unanswered, and any 5xx are anomalies.
import * as net from "node:net";
import type { FuzzMember } from "./gossip-inputs.ts";
import type { HttpInput, HttpInputs } from "./http-inputs.ts";
import type { Pace } from "./pace.ts";
import type { Rng } from "./rng.ts";
import { preview, type Tally } from "./tally.ts";

/** A whole request unanswered for this long is a hang. */
const ANSWER_TIMEOUT_MS = 15_000;
/** An incomplete request gets this long for whatever the server says before the fuzzer hangs up. */
const INCOMPLETE_WAIT_MS = 300;

export interface RawAnswer {
  status: number | undefined;
  timedOut: boolean;
}

/** Writes `bytes` to host:port and reads until the response headers are in (or the server closes). */
export function rawHttp(port: number, bytes: Uint8Array, timeoutMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    let head = "";
    let done = false;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : undefined, timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
    socket.on("data", (d: Buffer) => {
      head += d.toString("latin1", 0, Math.min(d.byteLength, 16_384));
      // An interim answer (100 Continue) is not the answer: skip its header block.
      while (/^HTTP\/1\.[01] 1\d\d/.test(head) && head.includes("\r\n\r\n")) head = head.slice(head.indexOf("\r\n\r\n") + 4);
      if ((/^HTTP\/1\.[01] [2-9]\d\d/.test(head) && head.includes("\r\n\r\n")) || head.length > 16_384) finish(false);
    });
    socket.write(bytes);
  });
}

export function judge(input: HttpInput, node: string, answer: RawAnswer, tally: Tally): void {
  tally.status(input.family, answer.status);
  const what = () => `${node} ${input.family} → ${answer.status ?? "no answer"}: ${preview(input.bytes, 160)}`;
  if (input.write && answer.status !== undefined && answer.status >= 200 && answer.status < 300) tally.anomaly("write-accepted", `${input.refusal}: ${what()}`);
  if (input.complete && answer.timedOut) tally.anomaly("unanswered", what());
  // 505 is Bun's HTTP parser refusing a malformed request line before any of the node's code runs.
  if (answer.status === 505) tally.note("505 from the HTTP parser (malformed request line)");
  else if (answer.status !== undefined && answer.status >= 500) tally.anomaly("server-error", what());
}

/** One HTTP worker: request after request, round-robin over the nodes, at the campaign's pace. */
export async function runHttp(
  nodes: readonly FuzzMember[],
  ctx: { gen: HttpInputs; rng: Rng; pace: Pace; tally: Tally; stopped: () => boolean },
): Promise<void> {
  let i = ctx.rng.below(nodes.length);
  while (!ctx.stopped()) {
    await ctx.pace.one();
    const node = nodes[i++ % nodes.length]!;
    const input = ctx.gen.next(node.httpPort);
    const t0 = performance.now();
    const answer = await rawHttp(node.httpPort, input.bytes, input.complete ? ANSWER_TIMEOUT_MS : INCOMPLETE_WAIT_MS);
    ctx.tally.sent(node.id, input.family, input.bytes);
    if (input.complete) ctx.tally.latency(performance.now() - t0, () => `${node.id} ${input.family} → ${answer.status ?? "closed without an answer"}: ${preview(input.bytes, 120)}`);
    judge(input, node.id, answer, ctx.tally);
  }
}
