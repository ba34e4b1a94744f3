// What a sync tells its user: one line per change as it happens (stdout), errors naming the path (stderr),
// a progress bar for the file in transfer when stderr is a terminal, and a summary of each pass's counts.
import { humanSize } from "../cli/format.ts";
import { Progress } from "../cli/progress.ts";

export interface PassCounts {
  uploaded: number;
  uploadedBytes: number;
  downloaded: number;
  downloadedBytes: number;
  deleted: number;
  moved: number;
  conflicts: number;
  folders: number;
  skipped: number;
  errors: number;
}

const zero = (): PassCounts => ({
  uploaded: 0,
  uploadedBytes: 0,
  downloaded: 0,
  downloadedBytes: 0,
  deleted: 0,
  moved: 0,
  conflicts: 0,
  folders: 0,
  skipped: 0,
  errors: 0,
});

/** Whether a pass changed either side (the next pass may then have more to do, e.g. carry conflict copies over). */
export const changedAnything = (c: PassCounts) => c.uploaded + c.downloaded + c.deleted + c.moved + c.conflicts + c.folders > 0;

export function summaryLine(c: PassCounts): string {
  const parts = [
    c.uploaded > 0 ? `${c.uploaded} uploaded (${humanSize(c.uploadedBytes)})` : "",
    c.downloaded > 0 ? `${c.downloaded} downloaded (${humanSize(c.downloadedBytes)})` : "",
    c.deleted > 0 ? `${c.deleted} deleted` : "",
    c.moved > 0 ? `${c.moved} moved` : "",
    c.conflicts > 0 ? `${c.conflicts} conflict${c.conflicts === 1 ? "" : "s"}` : "",
    c.folders > 0 ? `${c.folders} folder${c.folders === 1 ? "" : "s"} created` : "",
    c.skipped > 0 ? `${c.skipped} skipped` : "",
    c.errors > 0 ? `${c.errors} error${c.errors === 1 ? "" : "s"}` : "",
  ].filter(Boolean);
  return parts.length === 0 ? "nothing to do" : parts.join(", ");
}

export class SyncReport {
  pass = zero();
  /** Errors since the start, for the exit code of --once. */
  totalErrors = 0;
  private bar: Progress | undefined;

  constructor(
    private readonly out: (line: string) => void,
    private readonly err: (line: string) => void,
    /** Draw progress bars (stderr is a terminal). */
    private readonly bars: boolean,
  ) {}

  startPass(): void {
    this.pass = zero();
  }

  /** A transfer begins: returns the callback that moves its bar. */
  transferStarting(label: string, total: number | undefined): (done: number) => void {
    this.bar?.end();
    const bar = new Progress({ label, total, enabled: this.bars });
    this.bar = bar;
    return (done) => bar.update(done);
  }

  private endBar(): void {
    this.bar?.end();
    this.bar = undefined;
  }

  transferred(kind: "uploaded" | "downloaded", path: string, bytes: number): void {
    this.endBar();
    this.pass[kind]++;
    this.pass[kind === "uploaded" ? "uploadedBytes" : "downloadedBytes"] += bytes;
    this.out(`${kind} ${path} (${humanSize(bytes)})`);
  }

  deleted(side: "local" | "cluster", path: string): void {
    this.pass.deleted++;
    this.out(side === "local" ? `deleted ${path} here (deleted on the cluster)` : `deleted ${path} on the cluster (deleted here)`);
  }

  moved(side: "local" | "cluster", from: string, to: string): void {
    this.pass.moved++;
    this.out(side === "local" ? `moved ${from} -> ${to} here (renamed on the cluster)` : `moved ${from} -> ${to} on the cluster (renamed here)`);
  }

  conflict(path: string, kept: "local" | "cluster", copy: string, bytes: number): void {
    this.endBar();
    this.pass.conflicts++;
    this.pass[kept === "local" ? "uploadedBytes" : "downloadedBytes"] += bytes;
    const other = kept === "local" ? "cluster" : "local";
    this.out(`conflict ${path}: both sides changed; kept the ${kept} version, the ${other} one is now ${copy}`);
  }

  folder(side: "local" | "cluster", path: string): void {
    this.pass.folders++;
    this.out(`created folder ${path}/ (${side === "local" ? "here" : "on the cluster"})`);
  }

  skipped(path: string, why: string): void {
    this.endBar();
    this.pass.skipped++;
    this.out(`skipped ${path}: ${why}`);
  }

  failed(path: string, message: string): void {
    this.endBar();
    this.pass.errors++;
    this.totalErrors++;
    this.err(`orrery sync: error: ${path}: ${message}`);
  }

  note(line: string): void {
    this.endBar();
    this.out(line);
  }
}
