// The encrypted record layer of a peer connection (used when either end binds a non-loopback address):
// the byte stream is cut into records of at most MAX_RECORD plaintext bytes, each sealed with
// AES-256-GCM under the direction's session key and a counter nonce, so a record cannot be altered,
// dropped, reordered or replayed without the receiver noticing and closing the connection.
//
//   record = length u32 BE (plaintext bytes, 1..MAX_RECORD) | ciphertext[length] | tag[16]
//   nonce  = 0x00000000 | record counter u64 BE;   additional data = the 4 length bytes
//
// Neither direction copies (gcm.ts): a record is encrypted from the caller's bytes straight into the buffer that
// is written, and opened inside the buffer(s) it arrived in, so a record costs no allocation beyond the socket's.
import { defaultGcm, GCM_NONCE, GCM_TAG, type GcmEngine, type GcmOpener, type GcmSealer } from "./gcm.ts";

export const MAX_RECORD = 256 * 1024;
/** What a sealer puts in one record: a record then mostly fits in one socket read and opens where it lies. */
export const SEAL_RECORD = 64 * 1024;
/** Records sealed into one buffer (one socket write). */
export const RECORDS_PER_WRITE = 16;
/** The largest buffer a sealer asks for: RECORDS_PER_WRITE full records, headers and tags included. */
export const SEALED_BATCH_BYTES = RECORDS_PER_WRITE * (4 + SEAL_RECORD + GCM_TAG);
const TAG = GCM_TAG;

export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordError";
  }
}

class Nonces {
  private counter = 0n;
  private readonly nonce = Buffer.alloc(GCM_NONCE);

  /** The next record's nonce (one buffer, rewritten: valid until the next call). */
  next(): Buffer {
    this.nonce.writeBigUInt64BE(this.counter++, 4);
    return this.nonce;
  }
}

export class RecordSealer {
  private readonly nonces = new Nonces();
  private readonly gcm: GcmSealer;

  constructor(key: Uint8Array, engine: GcmEngine = defaultGcm()) {
    this.gcm = engine.sealer(key);
  }

  /**
   * The records carrying `bytes`, sealed back to back into buffers of at most RECORDS_PER_WRITE records, to
   * write in order: one socket write per batch (Bun's per-write cost is noticeable at 64 KiB records; and corked
   * writes would be joined with a copy). `alloc` gives each batch's buffer (default: a fresh one), so that a
   * caller can reuse written ones.
   */
  seal(bytes: Uint8Array, alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer[] {
    const out: Buffer[] = [];
    let o = 0;
    while (o < bytes.byteLength) {
      const plain = Math.min(bytes.byteLength - o, SEAL_RECORD * RECORDS_PER_WRITE);
      const records = Math.ceil(plain / SEAL_RECORD);
      const batch = alloc(plain + records * (4 + TAG));
      let w = 0;
      for (let r = 0; r < records; r++) {
        const n = Math.min(SEAL_RECORD, bytes.byteLength - o);
        batch.writeUInt32BE(n, w);
        // Encrypted straight from the caller's bytes into the batch: one pass over them, not a copy and then one.
        const into = batch.subarray(w + 4, w + 4 + n);
        this.gcm.seal(this.nonces.next(), batch.subarray(w, w + 4), into, batch.subarray(w + 4 + n, w + 4 + n + TAG), bytes.subarray(o, o + n));
        o += n;
        w += 4 + n + TAG;
      }
      out.push(batch);
    }
    return out;
  }

  /** Frees the cipher's native state (the connection closed). */
  dispose(): void {
    this.gcm.dispose();
  }
}

/**
 * Incremental. `open(chunk)` takes ownership of `chunk` and decrypts in place: a record that lies whole in one
 * chunk is opened where it is; one cut across chunks is decrypted piece by piece where each piece lies (GCM
 * streams) and its pieces are handed out, as views, once its tag verified. No record is copied into a buffer of
 * its own: fresh memory costs a page fault per 4 KiB, more than the cipher. Holds at most one partial record.
 */
export class RecordOpener {
  private readonly nonces = new Nonces();
  private readonly gcm: GcmOpener;
  private readonly head = Buffer.alloc(4);
  private headFill = 0;
  private length = 0;
  /** The record cut across chunks: its ciphertext bytes still to come, its pieces so far (decrypted, unverified). */
  private partial: { cipherLeft: number; pieces: Buffer[] } | undefined;
  private readonly tag = Buffer.alloc(TAG);
  private tagFill = 0;

  constructor(key: Uint8Array, engine: GcmEngine = defaultGcm()) {
    this.gcm = engine.opener(key);
  }

  /**
   * The plaintext of every record completed by `chunk`. Records whole in `chunk` are decrypted where they lie
   * and moved together (over the headers and tags between them), so one read gives one buffer for the frame
   * reader rather than one per record. Throws RecordError on any tampering.
   */
  open(chunk: Uint8Array): Buffer[] {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Buffer[] = [];
    // Plaintext of the whole records of `bytes` so far, moved together: [runStart, runEnd).
    let runStart = -1;
    let runEnd = -1;
    let off = 0;
    while (off < bytes.length) {
      if (this.partial) {
        // Only a record begun in an earlier chunk continues here, so it completes before any run of this one.
        off = this.continuePartial(bytes, off, out);
      } else if (this.headFill < 4) {
        const n = Math.min(4 - this.headFill, bytes.length - off);
        bytes.copy(this.head, this.headFill, off, off + n);
        this.headFill += n;
        off += n;
        if (this.headFill < 4) break;
        this.length = this.head.readUInt32BE(0);
        if (this.length === 0 || this.length > MAX_RECORD) throw new RecordError(`record of ${this.length} bytes (allowed 1..${MAX_RECORD})`);
        if (bytes.length - off >= this.length + TAG) {
          // The common case: the whole record is in this chunk.
          this.decrypt(bytes.subarray(off, off + this.length), bytes.subarray(off + this.length, off + this.length + TAG));
          if (runStart < 0) {
            runStart = off;
            runEnd = off + this.length;
          } else {
            bytes.copyWithin(runEnd, off, off + this.length);
            runEnd += this.length;
          }
          off += this.length + TAG;
        } else {
          this.gcm.begin(this.nonces.next(), this.head);
          this.partial = { cipherLeft: this.length, pieces: [] };
          this.tagFill = 0;
        }
      }
    }
    if (runStart >= 0) out.push(bytes.subarray(runStart, runEnd));
    return out;
  }

  /** Feeds the partial record what `bytes` holds of it from `off`; returns where its bytes end. */
  private continuePartial(bytes: Buffer, off: number, out: Buffer[]): number {
    const partial = this.partial!;
    if (partial.cipherLeft > 0) {
      const n = Math.min(partial.cipherLeft, bytes.length - off);
      const piece = bytes.subarray(off, off + n);
      this.gcm.update(piece);
      partial.pieces.push(piece);
      partial.cipherLeft -= n;
      off += n;
    }
    if (partial.cipherLeft > 0 || off === bytes.length) return off;
    const n = Math.min(TAG - this.tagFill, bytes.length - off);
    bytes.copy(this.tag, this.tagFill, off, off + n);
    this.tagFill += n;
    off += n;
    if (this.tagFill < TAG) return off;
    this.partial = undefined;
    this.headFill = 0;
    if (!this.gcm.finish(this.tag)) throw new RecordError("record failed authentication (tampered, reordered or wrong key)");
    out.push(...partial.pieces);
    return off;
  }

  /** Frees the cipher's native state (the connection closed). */
  dispose(): void {
    this.gcm.dispose();
  }

  private decrypt(data: Buffer, tag: Buffer): void {
    if (!this.gcm.open(this.nonces.next(), this.head, data, tag)) {
      throw new RecordError("record failed authentication (tampered, reordered or wrong key)");
    }
    this.headFill = 0;
  }
}
