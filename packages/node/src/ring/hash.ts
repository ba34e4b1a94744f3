// The ring's hash: xxhash64 from xxhash-wasm (fast, well distributed, identical on every platform).
import xxhash from "xxhash-wasm";
import type { Hash64 } from "./ring.ts";

/**
 * The same XXH64, synchronous (Bun's): for code that cannot wait for the WebAssembly module, a schema migration
 * and the manifest stores' default partition positions. hash.test.ts checks that both agree.
 */
export const xxhash64: Hash64 = (input: string) => Bun.hash.xxHash64(input);

let cached: Hash64 | undefined;

export async function loadHash64(): Promise<Hash64> {
  if (!cached) {
    const { h64 } = await xxhash();
    cached = (input: string) => h64(input);
  }
  return cached;
}
