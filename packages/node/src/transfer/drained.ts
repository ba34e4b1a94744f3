// Back-pressure on a node:net socket: resolves once its write buffer has drained, or it closed.
import type { Socket } from "node:net";

export function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}
