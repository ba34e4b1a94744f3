// The node's ring hash (xxhash64 via xxhash-wasm, the same package and seed the node uses), loaded
// on demand: it places members that are off the ring (dead) where their virtual nodes would be, and
// chunks whose position an older node did not send.

let loading: Promise<(s: string) => bigint> | undefined;

export function loadRingHash(): Promise<(s: string) => bigint> {
  loading ??= import("xxhash-wasm").then(async ({ default: xxhash }) => {
    const { h64 } = await xxhash();
    return (s: string) => h64(s);
  });
  return loading;
}
