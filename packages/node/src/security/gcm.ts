// AES-256-GCM in place for the record layer. node:crypto returns every result in a fresh buffer; on these
// machines first-touching fresh memory (page faults) cost more than the cipher itself, so when the system has
// OpenSSL's libcrypto the records are sealed and opened where they lie, through bun:ffi, with one cipher
// context (one key schedule) per direction of a connection. node:crypto remains the fallback; both produce
// the same bytes (one conformance suite, gcm.case.ts).
import { createCipheriv, createDecipheriv, type DecipherGCM } from "node:crypto";

export const GCM_KEY = 32;
export const GCM_NONCE = 12;
export const GCM_TAG = 16;

/** One direction's key: encrypts `data` in place (or `from`, of the same length, into `data`) and writes its tag. */
export interface GcmSealer {
  seal(nonce: Uint8Array, aad: Uint8Array, data: Uint8Array, tag: Uint8Array, from?: Uint8Array): void;
  /** Frees native state; further use throws. Idempotent. */
  dispose(): void;
}

/** One direction's key: decrypts `data` in place; false (data garbled) when the tag does not verify. */
export interface GcmOpener {
  open(nonce: Uint8Array, aad: Uint8Array, data: Uint8Array, tag: Uint8Array): boolean;
  /**
   * The same for a message whose ciphertext arrives in pieces (a record cut across socket reads): begin(), then
   * update() decrypts each piece where it lies, then finish() checks the tag. The pieces' plaintext must not be
   * used unless finish() returned true.
   */
  begin(nonce: Uint8Array, aad: Uint8Array): void;
  update(data: Uint8Array): void;
  finish(tag: Uint8Array): boolean;
  dispose(): void;
}

export interface GcmEngine {
  readonly name: "libcrypto" | "node:crypto";
  sealer(key: Uint8Array): GcmSealer;
  opener(key: Uint8Array): GcmOpener;
}

/** Explicit checks before any byte reaches native code: a wrong length there is memory corruption, not an error. */
function checkArgs(nonce: Uint8Array, data: Uint8Array, tag: Uint8Array): void {
  checkNonce(nonce);
  checkTag(tag);
  checkData(data);
}

/** An out-of-place source must match the destination's length and must not overlap it (libcrypto's rule). */
function checkSource(data: Uint8Array, from: Uint8Array | undefined): void {
  if (!from) return;
  if (from.byteLength !== data.byteLength) throw new RangeError(`GCM source of ${from.byteLength} bytes for ${data.byteLength}`);
  if (from.buffer === data.buffer && from.byteOffset < data.byteOffset + data.byteLength && data.byteOffset < from.byteOffset + from.byteLength) {
    throw new RangeError("GCM source overlaps its destination");
  }
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.byteLength !== GCM_NONCE) throw new RangeError(`GCM nonce of ${nonce.byteLength} bytes (need ${GCM_NONCE})`);
}

function checkTag(tag: Uint8Array): void {
  if (tag.byteLength !== GCM_TAG) throw new RangeError(`GCM tag of ${tag.byteLength} bytes (need ${GCM_TAG})`);
}

function checkData(data: Uint8Array): void {
  if (data.byteLength === 0 || data.byteLength > 0x7fff_ffff) throw new RangeError(`GCM data of ${data.byteLength} bytes`);
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== GCM_KEY) throw new RangeError(`AES-256 key of ${key.byteLength} bytes`);
}

/** node:crypto: a cipher object per record and a copy of each result back into place. */
export const nodeGcm: GcmEngine = {
  name: "node:crypto",
  sealer(key) {
    checkKey(key);
    const k = Buffer.from(key);
    return {
      seal(nonce, aad, data, tag, from) {
        checkArgs(nonce, data, tag);
        checkSource(data, from);
        const cipher = createCipheriv("aes-256-gcm", k, nonce);
        cipher.setAAD(aad);
        data.set(cipher.update(from ?? data));
        cipher.final();
        tag.set(cipher.getAuthTag());
      },
      dispose() {},
    };
  },
  opener(key) {
    checkKey(key);
    const k = Buffer.from(key);
    let streaming: DecipherGCM | undefined;
    return {
      open(nonce, aad, data, tag) {
        checkArgs(nonce, data, tag);
        const decipher = createDecipheriv("aes-256-gcm", k, nonce) as DecipherGCM;
        decipher.setAAD(aad);
        decipher.setAuthTag(tag);
        const plain = decipher.update(data);
        try {
          decipher.final();
        } catch {
          return false;
        }
        data.set(plain);
        return true;
      },
      begin(nonce, aad) {
        checkNonce(nonce);
        streaming = createDecipheriv("aes-256-gcm", k, nonce) as DecipherGCM;
        streaming.setAAD(aad);
      },
      update(data) {
        if (!streaming) throw new Error("GCM update() before begin()");
        checkData(data);
        const plain = streaming.update(data);
        if (plain.byteLength !== data.byteLength) throw new Error("node:crypto AES-256-GCM returned a short block");
        data.set(plain);
      },
      finish(tag) {
        if (!streaming) throw new Error("GCM finish() before begin()");
        checkTag(tag);
        const d = streaming;
        streaming = undefined;
        d.setAuthTag(tag);
        try {
          d.final();
          return true;
        } catch {
          return false;
        }
      },
      dispose() {},
    };
  },
};

// EVP_CIPHER_CTX_ctrl commands (openssl/evp.h).
const EVP_CTRL_GCM_GET_TAG = 0x10;
const EVP_CTRL_GCM_SET_TAG = 0x11;

type Lib = ReturnType<typeof loadLibcrypto>;

function loadLibcrypto(names: string[]) {
  // Imported lazily: a node without bun:ffi (or without the library) still runs on node:crypto.
  const { dlopen, FFIType: T } = require("bun:ffi") as typeof import("bun:ffi");
  const symbols = {
    EVP_CIPHER_CTX_new: { args: [], returns: T.ptr },
    EVP_CIPHER_CTX_free: { args: [T.ptr], returns: T.void },
    EVP_aes_256_gcm: { args: [], returns: T.ptr },
    EVP_EncryptInit_ex: { args: [T.ptr, T.ptr, T.ptr, T.ptr, T.ptr], returns: T.i32 },
    EVP_EncryptUpdate: { args: [T.ptr, T.ptr, T.ptr, T.ptr, T.i32], returns: T.i32 },
    EVP_EncryptFinal_ex: { args: [T.ptr, T.ptr, T.ptr], returns: T.i32 },
    EVP_DecryptInit_ex: { args: [T.ptr, T.ptr, T.ptr, T.ptr, T.ptr], returns: T.i32 },
    EVP_DecryptUpdate: { args: [T.ptr, T.ptr, T.ptr, T.ptr, T.i32], returns: T.i32 },
    EVP_DecryptFinal_ex: { args: [T.ptr, T.ptr, T.ptr], returns: T.i32 },
    EVP_CIPHER_CTX_ctrl: { args: [T.ptr, T.i32, T.i32, T.ptr], returns: T.i32 },
  } as const;
  let lastError: unknown;
  for (const name of names) {
    try {
      return dlopen(name, symbols).symbols;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** Owns one EVP_CIPHER_CTX; freed by dispose() or, if forgotten, when the object is collected. */
class NativeContext {
  private static readonly registry = new FinalizationRegistry<{ lib: Lib; ctx: number }>(({ lib, ctx }) => lib.EVP_CIPHER_CTX_free(ctx as never));
  private ctx: number | null;
  readonly outLen = new Int32Array(1);

  constructor(
    readonly lib: Lib,
    key: Uint8Array,
    encrypt: boolean,
  ) {
    checkKey(key);
    const ctx = lib.EVP_CIPHER_CTX_new() as number | null;
    if (!ctx) throw new Error("EVP_CIPHER_CTX_new failed");
    this.ctx = ctx;
    NativeContext.registry.register(this, { lib, ctx }, this);
    const init = encrypt ? lib.EVP_EncryptInit_ex : lib.EVP_DecryptInit_ex;
    this.must(init(ctx as never, lib.EVP_aes_256_gcm(), null, key, null), "init");
  }

  get handle(): never {
    if (this.ctx === null) throw new Error("GCM context used after dispose()");
    return this.ctx as never;
  }

  must(ok: number, step: string): void {
    if (ok !== 1) throw new Error(`libcrypto AES-256-GCM ${step} failed`);
  }

  dispose(): void {
    if (this.ctx === null) return;
    NativeContext.registry.unregister(this);
    this.lib.EVP_CIPHER_CTX_free(this.ctx as never);
    this.ctx = null;
  }
}

type InitFn = Lib["EVP_EncryptInit_ex"];
type UpdateFn = Lib["EVP_EncryptUpdate"];

/** Nonce, additional data and the data in place: the steps sealing and opening share. */
function crypt(c: NativeContext, init: InitFn, update: UpdateFn, nonce: Uint8Array, aad: Uint8Array, data: Uint8Array, from = data): never {
  const h = c.handle;
  c.must(init(h, null, null, null, nonce), "nonce");
  if (aad.byteLength > 0) c.must(update(h, null, c.outLen, aad, aad.byteLength), "aad");
  c.must(update(h, data, c.outLen, from, data.byteLength), "update");
  if (c.outLen[0] !== data.byteLength) throw new Error("libcrypto AES-256-GCM wrote a short block");
  return h;
}

function libcryptoEngine(lib: Lib): GcmEngine {
  return {
    name: "libcrypto",
    sealer(key) {
      const c = new NativeContext(lib, key, true);
      return {
        seal(nonce, aad, data, tag, from) {
          checkArgs(nonce, data, tag);
          checkSource(data, from);
          const h = crypt(c, lib.EVP_EncryptInit_ex, lib.EVP_EncryptUpdate, nonce, aad, data, from);
          c.must(lib.EVP_EncryptFinal_ex(h, tag, c.outLen), "final");
          c.must(lib.EVP_CIPHER_CTX_ctrl(h, EVP_CTRL_GCM_GET_TAG, GCM_TAG, tag), "tag");
        },
        dispose: () => c.dispose(),
      };
    },
    opener(key) {
      const c = new NativeContext(lib, key, false);
      return {
        open(nonce, aad, data, tag) {
          checkArgs(nonce, data, tag);
          const h = crypt(c, lib.EVP_DecryptInit_ex, lib.EVP_DecryptUpdate, nonce, aad, data);
          c.must(lib.EVP_CIPHER_CTX_ctrl(h, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag), "tag");
          // Final writes nothing for GCM (the tag buffer is only a valid pointer); <= 0 means the tag did not verify.
          return lib.EVP_DecryptFinal_ex(h, tag, c.outLen) === 1;
        },
        begin(nonce, aad) {
          checkNonce(nonce);
          const h = c.handle;
          c.must(lib.EVP_DecryptInit_ex(h, null, null, null, nonce), "nonce");
          if (aad.byteLength > 0) c.must(lib.EVP_DecryptUpdate(h, null, c.outLen, aad, aad.byteLength), "aad");
        },
        update(data) {
          checkData(data);
          c.must(lib.EVP_DecryptUpdate(c.handle, data, c.outLen, data, data.byteLength), "update");
          if (c.outLen[0] !== data.byteLength) throw new Error("libcrypto AES-256-GCM wrote a short block");
        },
        finish(tag) {
          checkTag(tag);
          const h = c.handle;
          c.must(lib.EVP_CIPHER_CTX_ctrl(h, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag), "tag");
          return lib.EVP_DecryptFinal_ex(h, tag, c.outLen) === 1;
        },
        dispose: () => c.dispose(),
      };
    },
  };
}

/** libcrypto's engine, or the reason it cannot be had on this system. */
export function libcryptoGcm(names = ["libcrypto.so.3", "libcrypto.so"]): GcmEngine | Error {
  try {
    return libcryptoEngine(loadLibcrypto(names));
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

export type GcmChoice = "auto" | "libcrypto" | "node";

let chosen: GcmEngine | undefined;

/**
 * Picks the engine every record layer of this process uses (node.ts, from PEER_CIPHER): "auto" takes
 * libcrypto when it loads, else node:crypto, and says which in `note`; "libcrypto" insists (an Error if absent).
 */
export function useGcm(choice: GcmChoice): { engine: GcmEngine; note?: string } | Error {
  if (choice === "node") {
    chosen = nodeGcm;
    return { engine: nodeGcm };
  }
  const lib = libcryptoGcm();
  if (lib instanceof Error) {
    if (choice === "libcrypto") return new Error(`PEER_CIPHER=libcrypto, but libcrypto cannot be loaded: ${lib.message}`);
    chosen = nodeGcm;
    return { engine: nodeGcm, note: `libcrypto cannot be loaded (${lib.message}); node:crypto allocates per record and costs more CPU` };
  }
  chosen = lib;
  return { engine: lib };
}

/** The engine chosen by useGcm(), or "auto"'s choice when nothing chose (tests, tools). */
export function defaultGcm(): GcmEngine {
  if (!chosen) useGcm("auto");
  return chosen!;
}
