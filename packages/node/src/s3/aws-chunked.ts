// Decodes an aws-chunked body as a stream, checking each chunk's signature and the trailer's against
// the request's signature chain; data passes through unbuffered.
import { createHash } from "node:crypto";
import type { ChunkSigner } from "./auth.ts";
import { s3Error } from "./errors.ts";
import { chunkStringToSign, sameSignature, sha256Hex, signatureOf, trailerStringToSign } from "./sigv4.ts";

export interface AwsChunkedOptions {
  /** Verify chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]); none for unsigned bodies. */
  signer?: ChunkSigner;
  /** Trailing headers follow the final chunk (the *-TRAILER modes). */
  trailer: boolean;
  /** x-amz-decoded-content-length, checked at the end. */
  decodedLength?: number;
}

/** A chunk-size line or a trailer line longer than this is not a client speaking aws-chunked. */
const MAX_LINE = 8 * 1024;
const MAX_TRAILER_BYTES = 16 * 1024;
const CR = 13;
const LF = 10;

type State = "size-line" | "data" | "data-crlf" | "trailer" | "final-crlf" | "done";

const mismatch = (what: string) =>
  s3Error("SignatureDoesNotMatch", `The ${what} signature of the aws-chunked body does not match: the body was altered or signed with another key.`);
const malformed = (what: string) => s3Error("IncompleteBody", `Malformed aws-chunked body: ${what}.`);

/** The framing and signature checks, fed bytes as they arrive; returns the decoded data in them. */
export class AwsChunkedParser {
  readonly trailers = new Map<string, string>();
  private state: State = "size-line";
  private line: number[] = [];
  private remaining = 0;
  private crlfSeen = 0;
  private chunkSignature: string | undefined;
  private chunkHash = createHash("sha256");
  private previous: string;
  private trailerSignature: string | undefined;
  private trailerText = "";
  private decoded = 0;

  constructor(private readonly opts: AwsChunkedOptions) {
    this.previous = opts.signer?.seed ?? "";
  }

  get decodedBytes(): number {
    return this.decoded;
  }

  push(bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let pos = 0;
    while (pos < bytes.length) {
      switch (this.state) {
        case "data": {
          const n = Math.min(this.remaining, bytes.length - pos);
          const piece = bytes.subarray(pos, pos + n);
          if (this.opts.signer) this.chunkHash.update(piece);
          this.decoded += n;
          if (this.opts.decodedLength !== undefined && this.decoded > this.opts.decodedLength) {
            throw malformed(`more data than x-amz-decoded-content-length (${this.opts.decodedLength})`);
          }
          out.push(piece);
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.state = "data-crlf";
          break;
        }
        case "data-crlf": {
          const want = this.crlfSeen === 0 ? CR : LF;
          if (bytes[pos] !== want) throw malformed("chunk data is not followed by CRLF (a chunk is longer than its size says)");
          pos++;
          if (++this.crlfSeen === 2) {
            this.crlfSeen = 0;
            this.endChunk();
            this.state = "size-line";
          }
          break;
        }
        case "done":
          throw malformed("data after the final chunk");
        default: {
          // A line-oriented state: collect up to LF.
          const lf = bytes.indexOf(LF, pos);
          const end = lf < 0 ? bytes.length : lf;
          if (this.line.length + (end - pos) > MAX_LINE) throw malformed("a line is too long");
          for (let i = pos; i < end; i++) this.line.push(bytes[i]!);
          pos = end;
          if (lf < 0) break;
          pos++; // the LF
          if (this.line[this.line.length - 1] === CR) this.line.pop();
          const text = Buffer.from(this.line).toString("latin1");
          this.line = [];
          this.onLine(text);
        }
      }
    }
    return out;
  }

  /** Checks the body was complete; throws IncompleteBody otherwise. */
  end(): void {
    if (this.state === "final-crlf") this.state = "done"; // some clients omit the closing empty line
    if (this.state !== "done") throw malformed("the body ended before its final (empty) chunk");
    if (this.opts.decodedLength !== undefined && this.decoded !== this.opts.decodedLength) {
      throw malformed(`${this.decoded} bytes decoded, x-amz-decoded-content-length says ${this.opts.decodedLength}`);
    }
  }

  private onLine(text: string): void {
    if (this.state === "size-line") return this.onSizeLine(text);
    if (this.state === "final-crlf") {
      if (text !== "") throw malformed("trailing headers on a body that announced none");
      this.state = "done";
      return;
    }
    // trailer
    if (text === "") return this.endTrailers();
    this.trailerText += `${text}\n`;
    if (this.trailerText.length > MAX_TRAILER_BYTES) throw malformed("trailers too long");
    const colon = text.indexOf(":");
    if (colon <= 0) throw malformed(`bad trailer line '${text.slice(0, 80)}'`);
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === "x-amz-trailer-signature") this.trailerSignature = value;
    else if (this.trailerSignature !== undefined) throw malformed("a trailer after x-amz-trailer-signature");
    else this.trailers.set(name, value);
  }

  private onSizeLine(text: string): void {
    const [sizeHex = "", ...extensions] = text.split(";");
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeHex.trim())) throw malformed(`bad chunk size line '${text.slice(0, 80)}'`);
    const size = Number.parseInt(sizeHex.trim(), 16);
    this.chunkSignature = undefined;
    for (const ext of extensions) {
      const eq = ext.indexOf("=");
      if (eq > 0 && ext.slice(0, eq).trim() === "chunk-signature") this.chunkSignature = ext.slice(eq + 1).trim();
    }
    if (this.opts.signer && this.chunkSignature === undefined) throw mismatch("chunk (missing)");
    if (size > 0) {
      this.remaining = size;
      this.state = "data";
      return;
    }
    this.endChunk(); // the final chunk is signed too, over empty data
    this.state = this.opts.trailer ? "trailer" : "final-crlf";
  }

  /** Verifies the chunk just read and moves the chain on. */
  private endChunk(): void {
    const signer = this.opts.signer;
    const hash = this.chunkHash.digest("hex");
    this.chunkHash = createHash("sha256");
    if (!signer) return;
    const expected = signatureOf(signer.key, chunkStringToSign(signer.amzDate, signer.scope, this.previous, hash));
    if (!sameSignature(expected, this.chunkSignature ?? "")) throw mismatch("chunk");
    this.previous = expected;
  }

  private endTrailers(): void {
    const signer = this.opts.signer;
    if (signer) {
      if (this.trailerSignature === undefined) throw mismatch("trailer (missing)");
      const canonical = [...this.trailers].map(([k, v]) => `${k}:${v}\n`).join("");
      const expected = signatureOf(signer.key, trailerStringToSign(signer.amzDate, signer.scope, this.previous, sha256Hex(canonical)));
      if (!sameSignature(expected, this.trailerSignature)) throw mismatch("trailer");
    }
    this.state = "done";
  }
}

export interface DecodedBody {
  stream: ReadableStream<Uint8Array>;
  /** Trailing headers (lower-case names), complete once the stream has ended. */
  trailers: ReadonlyMap<string, string>;
}

/** The decoded body as a stream that errors (instead of ending) on any framing or signature fault. */
export function decodeAwsChunked(source: ReadableStream<Uint8Array>, opts: AwsChunkedOptions): DecodedBody {
  const parser = new AwsChunkedParser(opts);
  const reader = source.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            parser.end();
            controller.close();
            return;
          }
          const pieces = parser.push(value);
          for (const p of pieces) controller.enqueue(p);
          if (pieces.length > 0) return;
        }
      } catch (err) {
        controller.error(err);
        await reader.cancel(err).catch(() => {});
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { stream, trailers: parser.trailers };
}
