// The benchmark's HTTP client, shared by the Orrery workloads and the plain-Bun ceilings so that both are
// measured the same way: a streamed PUT (body from a generator, never whole in memory) and a hashed GET.

export interface ProgressFn {
  (bytes: number): void;
}

export interface StreamedPut {
  status: number;
  /** Request start → response headers (for Orrery, the 201 comes only once the file is stored). */
  ms: number;
  bytesSent: number;
  body: unknown;
  bodyText: string;
}

/** PUTs the pieces as a streamed (chunked) body with `duplex: "half"`. */
export async function streamedPut(url: string, pieces: Iterator<Uint8Array<ArrayBuffer>>, onProgress?: ProgressFn): Promise<StreamedPut> {
  let sent = 0;
  const body = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      const next = pieces.next();
      if (next.done) {
        controller.close();
        return;
      }
      sent += next.value.byteLength;
      onProgress?.(sent);
      controller.enqueue(next.value);
    },
  });
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "PUT",
    body,
    headers: { "content-type": "application/octet-stream" },
    duplex: "half",
    timeout: false,
  } as RequestInit);
  const ms = performance.now() - t0;
  const bodyText = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: res.status, ms, bytesSent: sent, body: parsed, bodyText };
}

export interface HashedGet {
  status: number;
  bytes: number;
  sha256: string;
  /** Request start → last byte. */
  ms: number;
  /** Request start → response headers. */
  headersMs: number;
}

/** GETs a URL, hashing (SHA-256) the body while it streams; nothing is kept. */
export async function hashedGet(url: string, onProgress?: ProgressFn): Promise<HashedGet> {
  const t0 = performance.now();
  const res = await fetch(url, { timeout: false } as RequestInit);
  const headersMs = performance.now() - t0;
  const hasher = new Bun.CryptoHasher("sha256");
  let bytes = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hasher.update(value);
      bytes += value.byteLength;
      onProgress?.(bytes);
    }
  }
  return { status: res.status, bytes, sha256: hasher.digest("hex"), ms: performance.now() - t0, headersMs };
}

/** Calls `report` at most every `everyMs` (for progress lines on stderr). */
export function throttled(everyMs: number, report: (bytes: number, elapsedMs: number) => void): ProgressFn {
  const t0 = performance.now();
  let last = t0;
  return (bytes) => {
    const now = performance.now();
    if (now - last < everyMs) return;
    last = now;
    report(bytes, now - t0);
  };
}
