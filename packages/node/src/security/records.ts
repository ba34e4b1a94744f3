// The encrypted record layer of a peer connection (used when either end binds a non-loopback address):
// the byte stream is cut into records of at most MAX_RECORD plaintext bytes, each sealed with
// AES-256-GCM under the direction's session key and a counter nonce, so a record cannot be altered,
// dropped, reordered or replayed without the receiver noticing and closing the connection.
//
//   record = length u32 BE (plaintext bytes, 1..MAX_RECORD) | ciphertext[length] | tag[16]
//   nonce  = 0x00000000 | record counter u64 BE;   additional data = the 4 length bytes
import { createCipheriv, createDecipheriv } from "node:crypto";

export const MAX_RECORD = 256 * 1024;
const TAG = 16;

export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RecordError";
  }
}

function nonceFor(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(counter, 4);
  return n;
}

export class RecordSealer {
  private counter = 0n;

  constructor(private readonly key: Buffer) {}

  /** The records carrying `bytes`, as buffers to write in order. */
  seal(bytes: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    for (let o = 0; o < bytes.byteLength; o += MAX_RECORD) {
      const piece = bytes.subarray(o, Math.min(bytes.byteLength, o + MAX_RECORD));
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32BE(piece.byteLength, 0);
      const cipher = createCipheriv("aes-256-gcm", this.key, nonceFor(this.counter++));
      cipher.setAAD(head);
      const body = cipher.update(piece);
      cipher.final();
      out.push(head, body, cipher.getAuthTag());
    }
    return out;
  }
}

/** Incremental: holds at most one record (MAX_RECORD + 20 bytes) however the stream is cut. */
export class RecordOpener {
  private counter = 0n;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly key: Buffer) {}

  /** The plaintext of every record completed by `chunk`. Throws RecordError on any tampering. */
  open(chunk: Uint8Array): Buffer[] {
    this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.pendingBytes += chunk.byteLength;
    const out: Buffer[] = [];
    for (;;) {
      if (this.pendingBytes < 4) return out;
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length === 0 || length > MAX_RECORD) throw new RecordError(`record of ${length} bytes (allowed 1..${MAX_RECORD})`);
      if (this.pendingBytes < 4 + length + TAG) return out;
      const record = this.take(4 + length + TAG);
      const decipher = createDecipheriv("aes-256-gcm", this.key, nonceFor(this.counter++));
      decipher.setAAD(record.subarray(0, 4));
      decipher.setAuthTag(record.subarray(4 + length));
      const plain = decipher.update(record.subarray(4, 4 + length));
      try {
        decipher.final();
      } catch {
        throw new RecordError("record failed authentication (tampered, reordered or wrong key)");
      }
      out.push(plain);
    }
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length >= n) return this.pending[0]!.subarray(0, n);
    return Buffer.concat(this.pending).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const record = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return record;
  }
}
