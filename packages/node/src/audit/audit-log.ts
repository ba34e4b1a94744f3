// The audit log as the gateway uses it: records an action (an id that sorts by time, this node's clock and
// name), keeps it and hands it to the sync, and answers the admin page's queries. Failed logins are an
// attacker's to multiply, so at most FAILED_LOGINS_PER_MINUTE of them are recorded a minute per node; the
// next one recorded says how many were left out.
import { formatVersion } from "../metadata/hlc.ts";
import type { AuditQuery, AuditStore } from "./audit-store.ts";
import type { AuditSync } from "./audit-sync.ts";
import type { AuditEntry, AuditRecord } from "./records.ts";

export const FAILED_LOGINS_PER_MINUTE = 60;

export interface AuditLogComponents {
  selfId: string;
  store: AuditStore;
  sync?: Pick<AuditSync, "write">;
  now: () => number;
}

export class AuditLog {
  private last = { wall: 0, counter: 0 };
  private failed = { minute: -1, recorded: 0, leftOut: 0 };

  constructor(private readonly c: AuditLogComponents) {}

  /** Records `entry` now; returns the record, or undefined when it was a failed login past the rate. */
  record(entry: AuditEntry): AuditRecord | undefined {
    const at = this.c.now();
    let detail = entry.detail;
    if (entry.action === "login_failed") {
      const minute = Math.floor(at / 60_000);
      if (minute !== this.failed.minute) this.failed = { minute, recorded: 0, leftOut: this.failed.leftOut };
      if (this.failed.recorded >= FAILED_LOGINS_PER_MINUTE) {
        this.failed.leftOut++;
        return undefined;
      }
      this.failed.recorded++;
      if (this.failed.leftOut > 0) {
        detail = { ...detail, leftOut: this.failed.leftOut };
        this.failed.leftOut = 0;
      }
    }
    const record: AuditRecord = { ...entry, detail, id: this.nextId(at), at, node: this.c.selfId };
    if (this.c.sync) this.c.sync.write(record);
    else this.c.store.add([record]);
    return record;
  }

  page(q: AuditQuery): AuditRecord[] {
    return this.c.store.page(q);
  }

  get count(): number {
    return this.c.store.count;
  }

  get keep(): number {
    return this.c.store.keep;
  }

  /** Unique and increasing on this node even when the clock stands still or steps back. */
  private nextId(at: number): string {
    this.last = at > this.last.wall ? { wall: at, counter: 0 } : { wall: this.last.wall, counter: this.last.counter + 1 };
    return formatVersion({ ...this.last, nodeId: this.c.selfId });
  }
}
