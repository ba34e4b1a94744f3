// A streaming ZIP writer (PKWARE APPNOTE 6.3): entries stored as they are (no compression), each file's CRC-32
// computed while its bytes pass and written after them in a data descriptor, so no file is held in memory;
// ZIP64 records where a size, an offset or the entry count outgrows the classic 32/16-bit fields.
import { crc32 } from "node:zlib";

/** One entry of the archive, in archive order. `open` is called only when the entry's turn comes. */
export type ZipEntry =
  | { kind: "dir"; name: string; mtime: number }
  | { kind: "file"; name: string; mtime: number; size: number; open: () => Promise<ReadableStream<Uint8Array>> };

export interface ZipOptions {
  /** ZIP64 records for every entry and the end record whatever the sizes (tests check readers take them). */
  forceZip64?: boolean;
}

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
/** Bit 3: CRC and sizes follow the data; bit 11: names are UTF-8. */
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
/** "Version made by": UNIX (3), spec 4.5 (ZIP64), so readers take the external attributes as a mode. */
const MADE_BY = (3 << 8) | 45;

const encoder = new TextEncoder();

/** What the central directory needs to know of an entry once it has been written. */
interface Written {
  name: Uint8Array;
  flags: number;
  zip64: boolean;
  crc: number;
  size: number;
  offset: number;
  dos: { time: number; date: number };
  mtime: number;
  dir: boolean;
}

/**
 * The archive of `entries` as a byte stream. The stream fails (the download is cut short) if a file yields
 * other than its announced size, since whether an entry needs ZIP64 is decided from that size up front.
 */
export function zipStream(entries: Iterable<ZipEntry> | AsyncIterable<ZipEntry>, opts: ZipOptions = {}): ReadableStream<Uint8Array> {
  const parts = zipParts(entries, opts);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await parts.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      await parts.return(undefined);
    },
  });
}

/** The archive's bytes, one piece at a time (headers, a file's chunks as its stream hands them, the directory). */
export async function* zipParts(entries: Iterable<ZipEntry> | AsyncIterable<ZipEntry>, opts: ZipOptions = {}): AsyncGenerator<Uint8Array> {
  const written: Written[] = [];
  let offset = 0;
  for await (const e of entries) {
    const dir = e.kind === "dir";
    const name = entryName(e);
    const size = e.kind === "file" ? e.size : 0;
    const zip64 = !dir && (opts.forceZip64 === true || size >= MAX32);
    const w: Written = { name, flags: FLAG_UTF8 | (dir ? 0 : FLAG_DESCRIPTOR), zip64, crc: 0, size: 0, offset, dos: dosDateTime(e.mtime), mtime: e.mtime, dir };
    const header = localHeader(w);
    yield header;
    offset += header.byteLength;
    if (e.kind === "file") {
      let crc = 0;
      let count = 0;
      if (e.size > 0) {
        const reader = (await e.open()).getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            crc = crc32(value, crc);
            count += value.byteLength;
            if (count > e.size) throw new Error(`${e.name} yielded more than its ${e.size} bytes`);
            yield value;
          }
        } finally {
          reader.releaseLock();
        }
      }
      if (count !== e.size) throw new Error(`${e.name} yielded ${count} of its ${e.size} bytes`);
      offset += count;
      w.crc = crc;
      w.size = count;
      const descriptor = dataDescriptor(w);
      yield descriptor;
      offset += descriptor.byteLength;
    }
    written.push(w);
  }
  const cdStart = offset;
  for (const w of written) {
    const record = centralRecord(w, opts.forceZip64 === true);
    yield record;
    offset += record.byteLength;
  }
  yield endRecords(written.length, cdStart, offset - cdStart, opts.forceZip64 === true);
}

/** An entry's name as the archive spells it (a folder's ends in `/`), UTF-8. */
function entryName(e: ZipEntry): Uint8Array {
  const name = encoder.encode(e.kind === "dir" && !e.name.endsWith("/") ? `${e.name}/` : e.name);
  if (name.byteLength > MAX16) throw new Error(`zip entry name longer than 65535 bytes: ${e.name.slice(0, 80)}…`);
  return name;
}

/** Bytes of the extended timestamp field every header carries (timestampExtra). */
const TIMESTAMP_EXTRA = 9;

/**
 * The length of the archive zipParts writes for `entries`, from their names and announced sizes alone (the
 * layout below: local header, bytes, data descriptor per entry; a central record each; the end records): a
 * download's Content-Length, known before its first byte. A file that yields other than its size fails the stream.
 */
export function zipLength(entries: readonly ZipEntry[], opts: ZipOptions = {}): number {
  const force = opts.forceZip64 === true;
  let offset = 0;
  let central = 0;
  for (const e of entries) {
    const name = entryName(e).byteLength;
    const size = e.kind === "file" ? e.size : 0;
    const zip64 = e.kind === "file" && (force || size >= MAX32);
    const fields64 = (zip64 ? 2 : 0) + (force || offset >= MAX32 ? 1 : 0);
    central += 46 + name + TIMESTAMP_EXTRA + (fields64 > 0 ? 4 + 8 * fields64 : 0);
    offset += 30 + name + TIMESTAMP_EXTRA + (zip64 ? 20 : 0);
    if (e.kind === "file") offset += size + (zip64 ? 24 : 16);
  }
  const zip64End = force || entries.length >= MAX16 || offset >= MAX32 || central >= MAX32;
  return offset + central + (zip64End ? 56 + 20 : 0) + 22;
}

/** MS-DOS date and time (local time, 2-second steps, 1980 at the earliest) as the classic fields want them. */
export function dosDateTime(ms: number): { time: number; date: number } {
  const d = new Date(Math.max(ms, Date.UTC(1980, 0, 2)));
  const year = Math.min(d.getFullYear(), 2107);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** Extended timestamp (0x5455): the modification time in UTC seconds, which unzip and bsdtar prefer to DOS time. */
function timestampExtra(mtime: number): Uint8Array {
  const b = new DataView(new ArrayBuffer(TIMESTAMP_EXTRA));
  b.setUint16(0, 0x5455, true);
  b.setUint16(2, 5, true);
  b.setUint8(4, 1); // the modification time is present
  b.setUint32(5, Math.max(0, Math.min(Math.floor(mtime / 1000), MAX32)), true);
  return new Uint8Array(b.buffer);
}

function localHeader(w: Written): Uint8Array {
  // A ZIP64 entry says so in its local header (sizes 0xFFFFFFFF, a ZIP64 field of zeros): readers then take
  // its data descriptor's sizes as 8 bytes each.
  const extra = concat([timestampExtra(w.mtime), ...(w.zip64 ? [zip64Extra([0, 0])] : [])]);
  const b = new DataView(new ArrayBuffer(30));
  b.setUint32(0, 0x04034b50, true);
  b.setUint16(4, w.zip64 ? 45 : 20, true);
  b.setUint16(6, w.flags, true);
  b.setUint16(8, 0, true); // stored
  b.setUint16(10, w.dos.time, true);
  b.setUint16(12, w.dos.date, true);
  b.setUint32(14, 0, true); // CRC: in the data descriptor
  b.setUint32(18, w.zip64 ? MAX32 : 0, true);
  b.setUint32(22, w.zip64 ? MAX32 : 0, true);
  b.setUint16(26, w.name.byteLength, true);
  b.setUint16(28, extra.byteLength, true);
  return concat([new Uint8Array(b.buffer), w.name, extra]);
}

function dataDescriptor(w: Written): Uint8Array {
  const b = new DataView(new ArrayBuffer(w.zip64 ? 24 : 16));
  b.setUint32(0, 0x08074b50, true);
  b.setUint32(4, w.crc, true);
  if (w.zip64) {
    b.setBigUint64(8, BigInt(w.size), true);
    b.setBigUint64(16, BigInt(w.size), true);
  } else {
    b.setUint32(8, w.size, true);
    b.setUint32(12, w.size, true);
  }
  return new Uint8Array(b.buffer);
}

/** The ZIP64 extended information field (0x0001) holding the given 8-byte values in the order the spec sets. */
function zip64Extra(values: number[]): Uint8Array {
  const b = new DataView(new ArrayBuffer(4 + 8 * values.length));
  b.setUint16(0, 0x0001, true);
  b.setUint16(2, 8 * values.length, true);
  values.forEach((v, i) => b.setBigUint64(4 + 8 * i, BigInt(v), true));
  return new Uint8Array(b.buffer);
}

function centralRecord(w: Written, force: boolean): Uint8Array {
  // Each 32-bit field that does not fit is 0xFFFFFFFF and its value follows in the ZIP64 field, in order:
  // uncompressed size, compressed size, offset of the local header.
  const sizes64 = w.zip64;
  const offset64 = force || w.offset >= MAX32;
  const big = [...(sizes64 ? [w.size, w.size] : []), ...(offset64 ? [w.offset] : [])];
  const extra = concat([timestampExtra(w.mtime), ...(big.length > 0 ? [zip64Extra(big)] : [])]);
  const b = new DataView(new ArrayBuffer(46));
  b.setUint32(0, 0x02014b50, true);
  b.setUint16(4, MADE_BY, true);
  b.setUint16(6, w.zip64 || offset64 ? 45 : 20, true);
  b.setUint16(8, w.flags, true);
  b.setUint16(10, 0, true);
  b.setUint16(12, w.dos.time, true);
  b.setUint16(14, w.dos.date, true);
  b.setUint32(16, w.crc, true);
  b.setUint32(20, sizes64 ? MAX32 : w.size, true);
  b.setUint32(24, sizes64 ? MAX32 : w.size, true);
  b.setUint16(28, w.name.byteLength, true);
  b.setUint16(30, extra.byteLength, true);
  b.setUint16(32, 0, true); // comment
  b.setUint16(34, 0, true); // disk
  b.setUint16(36, 0, true); // internal attributes
  // A UNIX mode in the high half (drwxr-xr-x / -rw-r--r--), the MS-DOS directory bit in the low.
  b.setUint32(38, (((w.dir ? 0o040755 : 0o100644) << 16) | (w.dir ? 0x10 : 0)) >>> 0, true);
  b.setUint32(42, offset64 ? MAX32 : w.offset, true);
  return concat([new Uint8Array(b.buffer), w.name, extra]);
}

/** The end of central directory record, preceded by the ZIP64 end record and its locator when a field overflows. */
function endRecords(count: number, cdStart: number, cdSize: number, force: boolean): Uint8Array {
  const zip64 = force || count >= MAX16 || cdStart >= MAX32 || cdSize >= MAX32;
  const parts: Uint8Array[] = [];
  if (zip64) {
    const r = new DataView(new ArrayBuffer(56 + 20));
    r.setUint32(0, 0x06064b50, true);
    r.setBigUint64(4, 44n, true); // the size of what follows this field
    r.setUint16(12, MADE_BY, true);
    r.setUint16(14, 45, true);
    r.setUint32(16, 0, true);
    r.setUint32(20, 0, true);
    r.setBigUint64(24, BigInt(count), true);
    r.setBigUint64(32, BigInt(count), true);
    r.setBigUint64(40, BigInt(cdSize), true);
    r.setBigUint64(48, BigInt(cdStart), true);
    // The locator: where the ZIP64 end record starts (right after the central directory).
    r.setUint32(56, 0x07064b50, true);
    r.setUint32(60, 0, true);
    r.setBigUint64(64, BigInt(cdStart + cdSize), true);
    r.setUint32(72, 1, true);
    parts.push(new Uint8Array(r.buffer));
  }
  const e = new DataView(new ArrayBuffer(22));
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, zip64 ? MAX16 : count, true);
  e.setUint16(10, zip64 ? MAX16 : count, true);
  e.setUint32(12, zip64 ? MAX32 : cdSize, true);
  e.setUint32(16, zip64 ? MAX32 : cdStart, true);
  parts.push(new Uint8Array(e.buffer));
  return concat(parts);
}

/** Headers are small and few: one copy each is cheaper than yielding their pieces apart. */
const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);
