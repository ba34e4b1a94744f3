import { MemoryManifestStore } from "./memory-manifest-store.ts";
import { runManifestStoreTests } from "./manifest-store.case.ts";

runManifestStoreTests("MemoryManifestStore", (nodeId, now) => new MemoryManifestStore(nodeId, now));
