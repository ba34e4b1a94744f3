// Back-pressure on a node:net socket or a node:http response: resolves once its write buffer has
// drained, or it closed.
import type { EventEmitter } from "node:events";

export function drained(stream: EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}
