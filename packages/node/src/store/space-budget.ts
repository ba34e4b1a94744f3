// Room for new chunks: a store's quota and free-space floor, checked against the bytes already promised to
// writers in flight, so concurrent writers cannot jointly overshoot either limit.
import { StoreFullError } from "../errors.ts";

export interface SpaceLimits {
  /** Refuse new chunks once the store would hold more than this many bytes. */
  quotaBytes?: number;
  /** Refuse new chunks when free space would fall below this many bytes. */
  minFreeBytes?: number;
}

export class SpaceBudget {
  private reserved = 0;
  private readonly quotaBytes: number | undefined;
  private readonly minFreeBytes: number;

  constructor(limits: SpaceLimits) {
    this.quotaBytes = limits.quotaBytes;
    this.minFreeBytes = limits.minFreeBytes ?? 0;
  }

  /** Whether reserve() needs the free space at all (the disk store asks the filesystem only then). */
  get watchesFreeSpace(): boolean {
    return this.minFreeBytes > 0;
  }

  /**
   * Claims room for `size` more bytes, or throws StoreFullError. `freeBytes`, when given, is the space left
   * on the device; without a floor, a chunk larger than that is refused as a full disk would refuse it.
   */
  reserve(id: string, size: number, storedBytes: number, freeBytes?: () => number): void {
    if (size <= 0) return;
    if (this.quotaBytes !== undefined && storedBytes + this.reserved + size > this.quotaBytes) {
      throw new StoreFullError(`store quota of ${this.quotaBytes} bytes reached; refusing chunk ${id}`);
    }
    if (freeBytes) {
      const free = freeBytes() - this.reserved;
      if (free - size < this.minFreeBytes) {
        throw new StoreFullError(
          this.minFreeBytes > 0
            ? `only ${free} bytes free, keeping ${this.minFreeBytes} in reserve; refusing chunk ${id}`
            : `disk full: only ${free} bytes free; refusing chunk ${id}`,
        );
      }
    }
    this.reserved += size;
  }

  release(size: number): void {
    this.reserved = Math.max(0, this.reserved - Math.max(0, size));
  }
}
