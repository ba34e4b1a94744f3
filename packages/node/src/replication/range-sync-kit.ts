// Test kit for range anti-entropy among in-memory nodes: what a node answers its co-owners (range sync's handlers
// and manifests.get), shared by the range sync and ring sync tests.
import type { MemoryManifestStore } from "../metadata/memory-manifest-store.ts";
import type { JsonHandlers } from "../rpc/methods.ts";
import { getAnswer } from "./manifest-answers.ts";
import type { ManifestRangeSync } from "./manifest-range-sync.ts";

/** A node's handlers for range sync (looked up at each call, so a test may swap them) and manifests.get. */
export function rangeHandlers(sync: () => ManifestRangeSync, store: MemoryManifestStore): JsonHandlers {
  return {
    "manifests.rangeDigests": (f, b) => sync().handlers()["manifests.rangeDigests"]!(f, b),
    "manifests.rangeKeys": (f, b) => sync().handlers()["manifests.rangeKeys"]!(f, b),
    "manifests.rangeRows": (f, b) => sync().handlers()["manifests.rangeRows"]!(f, b),
    "manifests.get": (_f, b) => getAnswer(store, b),
  };
}
