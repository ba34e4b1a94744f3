// A multipart/form-data body of a browser form upload, streamed (busboy): the fields before the file are
// collected within explicit bounds, the `file` field is handed over as a stream with back-pressure, and
// what follows the file is read and dropped (S3 ignores fields after it). Never holds the file in memory.
import busboy from "busboy";
import { Readable } from "node:stream";
import { OrreryError } from "../errors.ts";
import { s3Error } from "./errors.ts";

/** S3's bound on the fields before the file (names and values): 20 KB. */
export const MAX_PRE_DATA_BYTES = 20 * 1024;
/** Bounds of our own on the form's shape: fields, a field name, header lines of one part. */
export const MAX_FIELDS = 100;
const MAX_FIELD_NAME = 256;
const MAX_PART_HEADERS = 20;

export interface FormFile {
  /** The file name the browser sent (for `${filename}` in the key); empty when it sent none. */
  filename: string;
  stream: ReadableStream<Uint8Array>;
}

export interface Form {
  /** The fields before the file by lower-case name (S3 compares names without case); the first of a repeated name. */
  fields: Map<string, string>;
  file: FormFile | undefined;
}

const malformed = (err: unknown) =>
  s3Error("MalformedPOSTRequest", `The body of your POST request is not well-formed multipart/form-data: ${(err as Error)?.message ?? err}.`);

/** A node stream as a web stream that reads from it only when pulled, so busboy (and the socket) wait. */
function webStream(source: Readable, onCancel: () => void): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await it.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value as Buffer));
      } catch (err) {
        // busboy's own errors (a body that breaks off inside the file) are the client's malformed form.
        controller.error(err instanceof OrreryError ? err : malformed(err));
      }
    },
    cancel(reason) {
      source.destroy(reason instanceof Error ? reason : undefined);
      onCancel();
    },
  });
}

/**
 * Reads the form up to its `file` field (or its end, when it has none). MalformedPOSTRequest for a body that
 * is not multipart/form-data or breaks off; MaxPostPreDataLengthExceeded past the bounds above. A failure
 * after the file began errors the file's stream, so nothing is stored of it.
 */
export function readForm(req: Request): Promise<Form> {
  const contentType = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType) || !req.body) {
    return Promise.reject(s3Error("MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data."));
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      limits: { fieldNameSize: MAX_FIELD_NAME, fieldSize: MAX_PRE_DATA_BYTES, fields: MAX_FIELDS, files: 1, parts: MAX_FIELDS + 1, headerPairs: MAX_PART_HEADERS },
    });
  } catch (err) {
    return Promise.reject(malformed(err));
  }
  const source = Readable.fromWeb(req.body as unknown as import("node:stream/web").ReadableStream<Uint8Array>);
  return new Promise<Form>((resolve, reject) => {
    const fields = new Map<string, string>();
    let preData = 0;
    let file: Readable | undefined;
    let settled = false;
    // The rest of the body is not read: the server drops it.
    const stop = () => {
      source.unpipe(parser);
      source.destroy();
    };
    const fail = (err: OrreryError) => {
      if (file) file.destroy(err); // the file's reader sees the error: nothing of it is committed
      else if (!settled) reject(err);
      settled = true;
      stop();
    };
    const tooLarge = () => s3Error("MaxPostPreDataLengthExceeded", `The fields before the file are limited to ${MAX_PRE_DATA_BYTES} bytes and ${MAX_FIELDS} fields.`);
    parser.on("field", (name, value, info) => {
      if (file || settled) return; // after the file: S3 ignores it
      preData += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (info.nameTruncated || info.valueTruncated || preData > MAX_PRE_DATA_BYTES) return fail(tooLarge());
      const key = name.toLowerCase();
      if (!fields.has(key)) fields.set(key, value);
    });
    parser.on("file", (name, stream, info) => {
      if (file || settled || name.toLowerCase() !== "file") {
        stream.resume();
        if (!file && !settled) fail(s3Error("InvalidArgument", `A form upload sends its content in one field named 'file', not '${name}'.`));
        return;
      }
      file = stream;
      settled = true;
      stream.on("error", () => {}); // read through the web stream, which reports it
      resolve({ fields, file: { filename: info.filename ?? "", stream: webStream(stream, stop) } });
    });
    for (const limit of ["fieldsLimit", "partsLimit", "filesLimit"] as const) parser.on(limit, () => fail(tooLarge()));
    parser.on("error", (err) => fail(malformed(err)));
    parser.on("close", () => {
      if (!settled) {
        settled = true;
        resolve({ fields, file: undefined });
      }
    });
    source.on("error", (err) => fail(s3Error("IncompleteBody", `The request body broke off: ${err.message}.`)));
    source.pipe(parser);
  });
}
