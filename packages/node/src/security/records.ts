// The encrypted record layer of a peer connection (used when either end binds a non-loopback address):
// the byte stream is cut into records of at most MAX_RECORD plaintext bytes, each sealed with
// AES-256-GCM under the direction's session key and a counter nonce, so a record cannot be altered,
// dropped, reordered or replayed without the receiver noticing and closing the connection.
//
//   record = length u32 BE (plaintext bytes, 1..MAX_RECORD) | ciphertext[length] | tag[16]
//   nonce  = 0x00000000 | record counter u64 BE;   additional data = the 4 length bytes
import { createCipheriv, createDecipheriv, type DecipherGCM } from "node:crypto";

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

  /**
   * The records carrying `bytes`, one buffer each, to write in order. One buffer a record (not its three
   * parts corked): Bun's socket joins corked writes with a copy of the whole batch, which cost more than the
   * encryption itself.
   */
  seal(bytes: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    for (let o = 0; o < bytes.byteLength; o += MAX_RECORD) {
      const piece = bytes.subarray(o, Math.min(bytes.byteLength, o + MAX_RECORD));
      const record = Buffer.allocUnsafe(4 + piece.byteLength + TAG);
      record.writeUInt32BE(piece.byteLength, 0);
      const cipher = createCipheriv("aes-256-gcm", this.key, nonceFor(this.counter++));
      cipher.setAAD(record.subarray(0, 4));
      record.set(cipher.update(piece), 4);
      cipher.final();
      record.set(cipher.getAuthTag(), 4 + piece.byteLength);
      out.push(record);
    }
    return out;
  }
}

/**
 * Incremental: a record's ciphertext is gathered into one buffer reused for every record, then decrypted in
 * one call once its tag has arrived; its plaintext is handed out only after the tag verified. Holds at most
 * one record (one update per record instead of one per socket read: fewer and larger allocations, which cost
 * more than the decryption itself).
 */
export class RecordOpener {
  private counter = 0n;
  private readonly head = Buffer.alloc(4);
  private headFill = 0;
  private length = 0;
  private readonly cipher = Buffer.allocUnsafe(MAX_RECORD);
  private cipherFill = 0;
  private readonly tag = Buffer.alloc(TAG);
  private tagFill = 0;

  constructor(private readonly key: Buffer) {}

  /** The plaintext of every record completed by `chunk`. Throws RecordError on any tampering. */
  open(chunk: Uint8Array): Buffer[] {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Buffer[] = [];
    let off = 0;
    while (off < bytes.length) {
      if (this.headFill < 4) {
        const n = Math.min(4 - this.headFill, bytes.length - off);
        bytes.copy(this.head, this.headFill, off, off + n);
        this.headFill += n;
        off += n;
        if (this.headFill < 4) break;
        this.length = this.head.readUInt32BE(0);
        if (this.length === 0 || this.length > MAX_RECORD) throw new RecordError(`record of ${this.length} bytes (allowed 1..${MAX_RECORD})`);
      } else if (this.cipherFill < this.length) {
        const n = Math.min(this.length - this.cipherFill, bytes.length - off);
        bytes.copy(this.cipher, this.cipherFill, off, off + n);
        this.cipherFill += n;
        off += n;
      } else {
        const n = Math.min(TAG - this.tagFill, bytes.length - off);
        bytes.copy(this.tag, this.tagFill, off, off + n);
        this.tagFill += n;
        off += n;
        if (this.tagFill < TAG) break;
        out.push(this.decrypt());
      }
    }
    return out;
  }

  private decrypt(): Buffer {
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonceFor(this.counter++)) as DecipherGCM;
    decipher.setAAD(this.head);
    decipher.setAuthTag(this.tag);
    const plain = decipher.update(this.cipher.subarray(0, this.length));
    try {
      decipher.final();
    } catch {
      throw new RecordError("record failed authentication (tampered, reordered or wrong key)");
    }
    this.headFill = 0;
    this.cipherFill = 0;
    this.tagFill = 0;
    return plain;
  }
}
