// One server-sent event stream fed by a subscription: events are queued as they happen and written in
// order, a heartbeat keeps idle proxies from closing the stream, and the subscription ends with it.
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import { OrreryError } from "../errors.ts";

const HEARTBEAT_MS = 15_000;
/** Streams a node serves at once (change feeds and event streams together): each holds a subscription and a queue. */
export const MAX_OPEN_STREAMS = 256;
let openStreams = 0;

/** Streams open now (for tests and health). */
export function openStreamCount(): number {
  return openStreams;
}

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
  if (openStreams >= MAX_OPEN_STREAMS) {
    throw new OrreryError(
      503,
      "too_many_streams",
      `this node already serves ${MAX_OPEN_STREAMS} event streams; try again later or another node`,
    );
  }
  openStreams++;
  return streamSSE(c, async (stream) => {
    try {
      await serve(stream, start, opts);
    } finally {
      openStreams--;
    }
  });
}

async function serve(
  stream: SSEStreamingApi,
  start: (push: (e: SseEvent) => void) => () => void,
  opts: { maxQueued?: number; overflowEvent?: SseEvent },
): Promise<void> {
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
    await pump(
      stream,
      queue,
      (resolve) => (wake = resolve),
      () => (wake = undefined),
    );
  } finally {
    stop();
  }
}

async function pump(
  stream: SSEStreamingApi,
  queue: SseEvent[],
  arm: (wake: () => void) => void,
  disarm: () => void,
): Promise<void> {
  while (!stream.aborted) {
    while (queue.length > 0) {
      const { event, data } = queue.shift()!;
      await stream.writeSSE({ event, data: JSON.stringify(data) });
    }
    let heartbeat: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      arm(resolve);
      heartbeat = setTimeout(resolve, HEARTBEAT_MS);
    });
    // Woken by an event: the heartbeat timer goes (a busy feed would otherwise leave one behind per wake).
    clearTimeout(heartbeat);
    disarm();
    if (queue.length === 0 && !stream.aborted) await stream.writeSSE({ event: "ping", data: "{}" });
  }
}
