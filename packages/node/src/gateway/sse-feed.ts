// One server-sent event stream fed by a subscription: events are queued as they happen and written in
// order, a heartbeat keeps idle proxies from closing the stream, and the subscription ends with it.
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";

const HEARTBEAT_MS = 15_000;

export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * `start` subscribes with `push` and returns the function that unsubscribes. `maxQueued` bounds what a slow
 * client can make the node hold: past it the queue is dropped and replaced by one `overflowEvent`, which tells
 * the client it missed events (it must then read the whole state again); without it nothing is dropped.
 */
export function sseFeed(
  c: Context,
  start: (push: (e: SseEvent) => void) => () => void,
  opts: { maxQueued?: number; overflowEvent?: SseEvent } = {},
): Response {
  return streamSSE(c, async (stream) => {
    const queue: SseEvent[] = [];
    let wake: (() => void) | undefined;
    const push = (e: SseEvent) => {
      if (opts.maxQueued !== undefined && queue.length >= opts.maxQueued) {
        queue.length = 0;
        if (opts.overflowEvent) queue.push(opts.overflowEvent);
      } else queue.push(e);
      wake?.();
    };
    const stop = start(push);
    stream.onAbort(() => {
      stop();
      wake?.();
    });
    try {
      await pump(stream, queue, (resolve) => (wake = resolve), () => (wake = undefined));
    } finally {
      stop();
    }
  });
}

async function pump(stream: SSEStreamingApi, queue: SseEvent[], arm: (wake: () => void) => void, disarm: () => void): Promise<void> {
  while (!stream.aborted) {
    while (queue.length > 0) {
      const { event, data } = queue.shift()!;
      await stream.writeSSE({ event, data: JSON.stringify(data) });
    }
    await new Promise<void>((resolve) => {
      arm(resolve);
      setTimeout(resolve, HEARTBEAT_MS);
    });
    disarm();
    if (queue.length === 0 && !stream.aborted) await stream.writeSSE({ event: "ping", data: "{}" });
  }
}
