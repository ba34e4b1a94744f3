// Mutation operators shared by every input family: byte-level (flips, truncation, splices, bad UTF-8)
// and JSON-level (type confusion, huge numbers, hostile ids, oversized arrays, deep nesting, odd keys).
import type { Rng } from "./rng.ts";

/** Node ids and names a validator must refuse or treat as plain strings. */
export const HOSTILE_IDS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "",
  " ",
  "x".repeat(65),
  "n1\u0000",
  "n1\n",
  "../n1",
  "n1/../n2",
  "n\u202e1",
  "\ud800",
  "😀",
  "%00",
  "${jndi:x}",
] as const;

const HUGE_NUMBERS = [-1, 0.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 2 ** 40 + 2 ** 20 + 1, 65536, -0, 1e-300, 4294967296];

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x5c, 0x3a, 0x2c, 0x0a];
/** Invalid or awkward UTF-8: overlong NUL, a lone surrogate, a stray continuation byte, a truncated sequence. */
const BAD_UTF8 = [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xe2, 0x82], [0xff, 0xfe], [0xf4, 0x90, 0x80, 0x80]];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** One to three byte-level changes; never longer than `maxLength`. */
export function mutateBytes(rng: Rng, input: Uint8Array, maxLength = 60_000): Uint8Array {
  let b: Uint8Array = new Uint8Array(input);
  const ops = rng.int(1, 3);
  for (let i = 0; i < ops; i++) {
    const at = rng.below(b.byteLength + 1);
    switch (rng.below(8)) {
      case 0: // bit flips
        if (b.byteLength > 0) for (let k = rng.int(1, 8); k > 0; k--) b[rng.below(b.byteLength)]! ^= 1 << rng.below(8);
        break;
      case 1: // interesting byte
        if (b.byteLength > 0) b[rng.below(b.byteLength)] = rng.pick(INTERESTING_BYTES);
        break;
      case 2: // truncate
        b = b.subarray(0, at);
        break;
      case 3: // insert random bytes
        b = concat(b.subarray(0, at), rng.bytes(rng.size(256)), b.subarray(at));
        break;
      case 4: // delete a slice
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.byteLength, at + rng.int(1, 64))));
        break;
      case 5: { // repeat a slice
        const len = rng.int(1, 32);
        const slice = b.subarray(at, at + len);
        const copies = Array.from({ length: rng.int(2, 50) }, () => slice);
        b = concat(b.subarray(0, at), ...copies, b.subarray(at));
        break;
      }
      case 6: // invalid UTF-8
        b = concat(b.subarray(0, at), Uint8Array.from(rng.pick(BAD_UTF8)), b.subarray(at));
        break;
      default: // overwrite with random bytes
        b.set(rng.bytes(Math.min(rng.int(1, 16), b.byteLength - Math.min(at, b.byteLength))), Math.min(at, b.byteLength));
    }
  }
  return b.byteLength > maxLength ? b.subarray(0, maxLength) : b;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Every (parent, key) position in a JSON tree down to `maxDepth`, so one can be replaced. Iterative and
 * depth-bounded: an earlier mutation may have nested a value 5000 levels deep (a recursive walk overflowed
 * the stack on it), and a change that deep tests nothing a shallower one does not.
 */
function positions(root: Json, maxDepth = 64) {
  const out: Array<{ parent: Json[] | Record<string, Json>; key: string | number }> = [];
  const stack: Array<{ value: Json; depth: number }> = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (depth >= maxDepth || value === null || typeof value !== "object") continue;
    const entries: Array<[string | number, Json]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) {
      out.push({ parent: value, key });
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  return out;
}

/**
 * A value of another type, or one at the edge of its type's range. Large values (long strings, oversized
 * arrays, deep nesting) are drawn rarely: they are slow to make and to send, and a few of them suffice.
 */
export function hostileValue(rng: Rng, like: Json): Json {
  switch (rng.weighted({ number: 16, id: 16, small: 14, confuse: 20, nudge: 14, text: 14, long: 2, array: 2, deep: 2 })) {
    case "number":
      return rng.pick(HUGE_NUMBERS);
    case "id":
      return rng.pick(HOSTILE_IDS);
    case "small":
      return rng.pick([null, true, false, [], {}, "", 0]);
    case "confuse":
      if (typeof like === "number") return String(like);
      if (typeof like === "string") return Number(like) || like.length;
      if (Array.isArray(like)) return Object.fromEntries(like.map((v, i) => [String(i), v]));
      if (like !== null && typeof like === "object") return Object.values(like);
      return [like];
    case "nudge":
      return typeof like === "number" ? like + rng.pick([1, -1, 0.5, 2 ** 32]) : rng.pick(HUGE_NUMBERS);
    case "text":
      return rng.pick(["\u0000", "\n", "a b", "%2e%2e", "../", "\\", "\ud83d", "1e999"]);
    case "long":
      return "x".repeat(rng.pick([256, 1025, 4097, 20_000]));
    case "array": {
      const n = rng.pick([257, 1025, 4097]);
      // Short scalars only: an array of 4097 copies of a 20 kB string would be an 80 MB input.
      return Array.from({ length: n }, () => (typeof like === "object" || (typeof like === "string" && like.length > 64) ? 0 : like));
    }
    default: {
      // A container is not wrapped: nesting an already deep value again made inputs no parser or walk survives.
      let v: Json = like !== null && typeof like === "object" ? 0 : like;
      for (let d = rng.pick([100, 1000, 5000]); d > 0; d--) v = [v];
      return v;
    }
  }
}

/** One to three structural changes to a JSON value (a deep copy is changed, never the input). */
export function mutateJson(rng: Rng, input: Json): Json {
  let root = structuredClone(input);
  for (let i = rng.int(1, 3); i > 0; i--) {
    const spots = positions(root);
    if (spots.length === 0 || rng.chance(0.05)) {
      root = hostileValue(rng, root);
      continue;
    }
    const { parent, key } = rng.pick(spots);
    const current = (parent as Record<string | number, Json>)[key] as Json;
    const r = rng.below(10);
    if (r < 6) (parent as Record<string | number, Json>)[key] = hostileValue(rng, current);
    else if (r < 8 && !Array.isArray(parent)) delete (parent as Record<string, Json>)[key as string];
    else if (!Array.isArray(parent)) (parent as Record<string, Json>)[rng.pick(["extra", "v", "type", "0", "length"])] = hostileValue(rng, current);
    else parent.push(...Array.from({ length: rng.chance(0.1) ? rng.int(1, 300) : rng.int(1, 3) }, () => structuredClone(current)));
  }
  return root;
}

/** Text-level JSON tricks JSON.stringify cannot produce: own __proto__ keys, duplicate keys, odd literals. */
export function mutateJsonText(rng: Rng, text: string): string {
  const brace = text.indexOf("{");
  const at = brace < 0 ? 0 : brace + 1;
  switch (rng.below(6)) {
    case 0:
      return `${text.slice(0, at)}"__proto__":{"isAdmin":true,"state":"dead"},${text.slice(at)}`;
    case 1:
      return `${text.slice(0, at)}"constructor":{"prototype":{"x":1}},${text.slice(at)}`;
    case 2: // duplicate key: which one wins is the parser's business; the validator sees one
      return `${text.slice(0, at)}"type":"nonsense",${text.slice(at)}`;
    case 3:
      return text.replace(/\d+/, rng.pick(["1e999", "-0", "0x10", "1_000", "NaN", "Infinity", "00012", "1.0e+400"]));
    case 4:
      return `${text}${rng.pick(["", " ", "}", "]", ",", "\u0000", "garbage"])}`;
    default:
      return text.slice(0, rng.below(text.length + 1));
  }
}

export type { Json };
