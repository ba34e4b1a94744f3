import { openDatabase } from "../store/db.ts";
import { runManifestStoreTests } from "./manifest-store.case.ts";
import { SqliteManifestStore } from "./sqlite-manifest-store.ts";

runManifestStoreTests("SqliteManifestStore", (nodeId, now) => new SqliteManifestStore(openDatabase(":memory:"), nodeId, now));
