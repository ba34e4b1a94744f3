// One error type carrying an HTTP status and a stable machine-readable code;
// routes throw it and the gateway's error handler turns it into JSON {error, code}.

export class OrreryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Response headers the error carries on every API (the Content-Range of a 416). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "OrreryError";
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new OrreryError(400, code, message, details);
export const notFound = (code: string, message: string) => new OrreryError(404, code, message);
export const conflict = (code: string, message: string) => new OrreryError(409, code, message);
/** A Range that asks for no byte of a `size`-byte file (416 with `Content-Range: bytes *\/size` at every API). */
export const rangeNotSatisfiable = (size: number) =>
  new OrreryError(416, "range_not_satisfiable", `range not satisfiable for a ${size}-byte file`, undefined, { "content-range": `bytes */${size}` });
export const unavailable = (code: string, message: string, details?: Record<string, unknown>) =>
  new OrreryError(503, code, message, details);

/** A chunk file whose bytes do not hash to its name. */
export class ChunkCorruptError extends Error {
  constructor(readonly chunkId: string, readonly where: string) {
    super(`chunk ${chunkId} is corrupt on ${where}`);
    this.name = "ChunkCorruptError";
  }
}

export class ChunkNotFoundError extends Error {
  constructor(readonly chunkId: string, readonly where: string) {
    super(`chunk ${chunkId} not found on ${where}`);
    this.name = "ChunkNotFoundError";
  }
}

/** The store refuses new data: disk full or over the high-water mark. */
export class StoreFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreFullError";
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
