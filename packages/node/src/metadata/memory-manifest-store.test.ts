import { MemoryManifestStore } from "./memory-manifest-store.ts";
import { runManifestStoreTests } from "./manifest-store.case.ts";
import { runManifestSyncTests } from "./manifest-sync.case.ts";
import { runManifestGcTests } from "./manifest-gc.case.ts";
import { runVersionRowsTests } from "./version-rows.case.ts";
import { runPathKindTests } from "./path-kinds.case.ts";
import { runFolderTotalsTests } from "./folder-totals.case.ts";
import { runNameSearchTests } from "./name-search.case.ts";
import { runInlineRowTests } from "./inline-rows.case.ts";

runManifestStoreTests("MemoryManifestStore", (nodeId, now) => new MemoryManifestStore(nodeId, now));
runManifestSyncTests("MemoryManifestStore", (nodeId, now) => new MemoryManifestStore(nodeId, now));
runManifestGcTests("MemoryManifestStore", (nodeId, now) => new MemoryManifestStore(nodeId, now));
runVersionRowsTests("MemoryManifestStore", (nodeId, now) => new MemoryManifestStore(nodeId, now));
runPathKindTests("MemoryManifestStore", (nodeId, now) => new MemoryManifestStore(nodeId, now));
runFolderTotalsTests("MemoryManifestStore", (nodeId, now) => new MemoryManifestStore(nodeId, now));
runNameSearchTests("MemoryManifestStore", (nodeId, now) => new MemoryManifestStore(nodeId, now));
runInlineRowTests("MemoryManifestStore", (nodeId, now) => new MemoryManifestStore(nodeId, now), (store, path, inline) => {
  // The store hands out its own row objects: changing one is changing what it keeps.
  (store.get(path, "file") as { inline?: string }).inline = inline;
});
