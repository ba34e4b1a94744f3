// Bytes a producer lends to whoever consumes them: a consumer done with a piece (its bytes handed to the kernel
// or copied) gives it back, and the producer may then reuse the memory; a consumer that does not know the
// protocol just drops the piece, and the collector takes it as any other. The file read stream lends chunk
// buffers this way and the HTTP server gives them back once a write has flushed them.

const lent = new WeakMap<Uint8Array, () => void>();

/** Registers `piece` as lent: `release` runs when (and only if) a consumer gives it back. */
export function lend<T extends Uint8Array>(piece: T, release: () => void): T {
  lent.set(piece, release);
  return piece;
}

/** The consumer is done with `piece` and keeps no reference to its memory; a piece that was not lent is ignored. */
export function giveBack(piece: Uint8Array): void {
  const release = lent.get(piece);
  if (release === undefined) return;
  lent.delete(piece);
  release();
}
