// Back-pressure on a node:net socket or a node:http response: resolves once its write buffer has
// drained, or it closed — at once if it is already closed or has nothing waiting (a 'drain' or 'close'
// that happened before the call would otherwise never come again, and the writer would wait forever).
import type { EventEmitter } from "node:events";

interface Writable extends EventEmitter {
  destroyed?: boolean;
  closed?: boolean;
  writableNeedDrain?: boolean;
}

export function drained(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.closed || stream.writableNeedDrain === false) return Promise.resolve();
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
