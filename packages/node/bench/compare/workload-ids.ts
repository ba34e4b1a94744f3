// The workloads of `pnpm bench --compare`, in run order, and what each figure is compared with. Pure data:
// the report, the option parser and the runner all read it, so a workload is named in one place.

export const WORKLOAD_IDS = ["write", "read", "write-quorum", "create", "create16", "read16", "s3-rclone", "s3-aws", "s3-sync"] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

/** The machine's ceilings measured in the same run. */
export type CeilingId = "diskWriteThird" | "httpGetLargeCold" | "ext4Create1" | "ext4CreateN" | "httpGetSmall";

export type Unit = "MB/s" | "files/s" | "MiB";

export interface WorkloadSpec {
  id: WorkloadId;
  unit: Unit;
  /** Which ceiling the Orrery figure is divided by. */
  ceiling?: CeilingId;
  /** An Orrery-only figure is divided by another Orrery figure of the same run instead (the S3 goals). */
  reference?: WorkloadId;
  /** Whether GlusterFS and MooseFS run it (they have no S3 API). */
  peers: boolean;
  /** A workload whose files this one reads or whose figure it is compared with; run untimed first if not asked for. */
  needs?: WorkloadId;
  /** Run once more under strace with --strace; what its syscall counts are divided by. */
  straceUnit?: "chunk" | "file";
}

export const WORKLOADS: Record<WorkloadId, WorkloadSpec> = {
  write: { id: "write", unit: "MB/s", ceiling: "diskWriteThird", peers: true, straceUnit: "chunk" },
  read: { id: "read", unit: "MB/s", ceiling: "httpGetLargeCold", peers: true, needs: "write", straceUnit: "chunk" },
  "write-quorum": { id: "write-quorum", unit: "MB/s", ceiling: "diskWriteThird", peers: false, straceUnit: "chunk" },
  create: { id: "create", unit: "files/s", ceiling: "ext4Create1", peers: true, straceUnit: "file" },
  create16: { id: "create16", unit: "files/s", ceiling: "ext4CreateN", peers: true, straceUnit: "file" },
  read16: { id: "read16", unit: "files/s", ceiling: "httpGetSmall", peers: true, needs: "create16", straceUnit: "file" },
  "s3-rclone": { id: "s3-rclone", unit: "MB/s", reference: "write-quorum", peers: false },
  "s3-aws": { id: "s3-aws", unit: "MB/s", reference: "write-quorum", peers: false },
  "s3-sync": { id: "s3-sync", unit: "files/s", reference: "create16", peers: false },
};

export interface Sizes {
  sizeMiB: number;
  smallCount: number;
  clients: number;
  /** Reads start with the page cache dropped (false with --no-drop-caches). */
  cold: boolean;
}

const size = (mib: number) => (mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`);

/** The row title of a workload at the run's sizes. */
export function workloadTitle(id: WorkloadId, s: Sizes): string {
  const big = size(s.sizeMiB);
  const small = `${s.smallCount} × 4 KiB`;
  switch (id) {
    case "write":
      return `${big} write, 3 fsynced copies`;
    case "read":
      return `${big} read, ${s.cold ? "cache dropped" : "warm"}, via another node`;
    case "write-quorum":
      return `${big} write at quorum (files API, to the 201)`;
    case "create":
      return `${small} creates, fsync each, 1 client`;
    case "create16":
      return `${small} creates, ${s.clients} clients`;
    case "read16":
      return `${small} reads, ${s.clients} clients, ${s.cold ? "cache dropped" : "warm"}`;
    case "s3-rclone":
      return `S3 ${big} upload, rclone defaults`;
    case "s3-aws":
      return `S3 ${big} upload, aws s3 cp`;
    case "s3-sync":
      return `aws s3 sync of ${small} files`;
  }
}

export function ceilingTitle(id: CeilingId, s: Sizes): string {
  switch (id) {
    case "diskWriteThird":
      return "disk: 4 MiB write+fsync ÷ 3";
    case "httpGetLargeCold":
      return `Bun.serve GET ${size(s.sizeMiB)}, ${s.cold ? "cold" : "warm"}`;
    case "ext4Create1":
      return "ext4 fsync-each 4 KiB creates, 1 client";
    case "ext4CreateN":
      return `ext4 fsync-each 4 KiB creates, ${s.clients} clients`;
    case "httpGetSmall":
      return `Bun.serve GET 4 KiB, ${s.clients} clients, ${s.cold ? "cold" : "warm"}`;
  }
}

/** The workloads to run for `asked`: each needed one first (untimed unless asked for itself). */
export function withSetups(asked: readonly WorkloadId[]): { id: WorkloadId; timed: boolean }[] {
  const out: { id: WorkloadId; timed: boolean }[] = [];
  for (const id of WORKLOAD_IDS) {
    const timed = asked.includes(id);
    const neededBy = asked.some((a) => WORKLOADS[a].needs === id);
    if (timed || neededBy) out.push({ id, timed });
  }
  return out;
}
