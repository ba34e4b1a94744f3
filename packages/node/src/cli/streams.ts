// Web-stream pieces for transfers: a counting pass-through (progress and sha256 as bytes go by) and
// a wrapper that notes whether a failure came from the local source rather than from the network.

/** Passes chunks through unchanged, telling `onChunk` about each one. */
export function countingStream(onChunk: (chunk: Uint8Array) => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      onChunk(chunk);
      controller.enqueue(chunk);
    },
  });
}

/**
 * The same bytes as `source`; a read error is reported to `onError` before the stream errors, so a
 * failed upload can be blamed on the local file (exit 4) rather than on the node (exit 3).
 */
export function watchSource(source: ReadableStream<Uint8Array>, onError: (err: unknown) => void): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          onError(err);
          controller.error(err);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    // Pull only on demand: the source is read as fast as the network takes it, never ahead.
    { highWaterMark: 0 },
  );
}
