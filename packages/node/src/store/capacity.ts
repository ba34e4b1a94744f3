// A node's capacity: what it announces as its ring weight (in GB), so nodes get chunks in proportion to
// what they can hold. CAPACITY_GB when set, else STORE_QUOTA_MB, else the size of the disk holding
// DATA_DIR; 0 with STORAGE=off (a gateway that owns nothing).
import { MAX_WEIGHT } from "../membership/messages.ts";

const GB = 1e9;
/** The smallest weight a storing node announces (1 KB): 0 means "stores nothing". */
const MIN_WEIGHT = 1e-6;

export interface CapacitySettings {
  STORAGE: "on" | "off";
  CAPACITY_GB?: number;
  STORE_QUOTA_MB?: number;
}

/** Capacity in bytes; `diskTotalBytes` is only read when neither setting gives it. */
export function capacityBytes(config: CapacitySettings, diskTotalBytes: () => number): number {
  if (config.STORAGE === "off") return 0;
  if (config.CAPACITY_GB !== undefined) return config.CAPACITY_GB * GB;
  if (config.STORE_QUOTA_MB !== undefined) return config.STORE_QUOTA_MB * 1024 * 1024;
  return diskTotalBytes();
}

/** The weight gossiped for a capacity: GB, within the bounds the wire format accepts. */
export function ringWeight(bytes: number): number {
  if (!(bytes > 0)) return 0;
  return Math.min(MAX_WEIGHT, Math.max(MIN_WEIGHT, bytes / GB));
}
