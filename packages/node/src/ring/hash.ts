// The ring's hash: xxhash64 from xxhash-wasm (fast, well distributed, identical on every platform).
import xxhash from "xxhash-wasm";
import type { Hash64 } from "./ring.ts";

let cached: Hash64 | undefined;

export async function loadHash64(): Promise<Hash64> {
  if (!cached) {
    const { h64 } = await xxhash();
    cached = (input: string) => h64(input);
  }
  return cached;
}
