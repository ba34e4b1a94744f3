// The metadata component: hybrid logical clock, LWW manifests, manifest stores and delta sync.
export * from "./hlc.ts";
export * from "./manifest.ts";
export * from "./manifest-store.ts";
export * from "./memory-manifest-store.ts";
export * from "./path.ts";
export * from "./sqlite-manifest-store.ts";
export * from "./sync.ts";
