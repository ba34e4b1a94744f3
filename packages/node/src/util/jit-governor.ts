// Keeps JavaScriptCore's JIT reluctant while a node is idle and at its normal policy while the node works. An idle
// node runs its gossip and background code a few times a second, and at the normal policy the JIT kept compiling
// that code for minutes (a fifth of an idle node's CPU and ~4 MiB of its memory); under load, a reluctant JIT left
// the per-request code in the lower tiers for longer (+30 % CPU per small create over the first 1,500 creates).

export interface JitGovernorInit {
  /** The tier-up threshold scale while idle (JIT_POLICY; 1 is the engine's normal policy). */
  idleScale: number;
  /** Requests within one window that make the node busy (default 64: background traffic alone never gets there). */
  busyRequests?: number;
  windowMs?: number;
  /** How long after its last busy window the node is idle again (default 60 s). */
  idleAfterMs?: number;
}

export interface JitGovernorComponents {
  setPolicy?: (scale: number) => void;
  now?: () => number;
  /** A timer that does not keep the process alive; armed only while the node is busy. */
  setTimer?: (fn: () => void, ms: number) => { unref?: () => unknown };
}

export class JitGovernor {
  private readonly busyRequests: number;
  private readonly windowMs: number;
  private readonly idleAfterMs: number;
  private readonly setPolicy: (scale: number) => void;
  private readonly now: () => number;
  private readonly setTimer: NonNullable<JitGovernorComponents["setTimer"]>;
  private windowStart = Number.NEGATIVE_INFINITY;
  private count = 0;
  private lastBusy = Number.NEGATIVE_INFINITY;
  private timerArmed = false;
  /** Whether the JIT runs at its normal policy now (for tests and /api/health-free checks). */
  busy = false;

  constructor(
    private readonly init: JitGovernorInit,
    c: JitGovernorComponents = {},
  ) {
    this.busyRequests = init.busyRequests ?? 64;
    this.windowMs = init.windowMs ?? 10_000;
    this.idleAfterMs = init.idleAfterMs ?? 60_000;
    this.setPolicy = c.setPolicy ?? ((scale) => Bun.unsafe.setJITPolicy(scale));
    this.now = c.now ?? (() => performance.now());
    this.setTimer = c.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.setPolicy(init.idleScale);
  }

  /** One request served (HTTP, S3, or a peer's frame). */
  note(): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    if (++this.count < this.busyRequests) return;
    this.lastBusy = now;
    if (this.busy) return;
    this.busy = true;
    this.setPolicy(1);
    this.arm(this.idleAfterMs);
  }

  private arm(ms: number): void {
    if (this.timerArmed) return;
    this.timerArmed = true;
    this.setTimer(() => {
      this.timerArmed = false;
      const quietFor = this.now() - this.lastBusy;
      if (quietFor < this.idleAfterMs) return this.arm(this.idleAfterMs - quietFor);
      this.busy = false;
      this.setPolicy(this.init.idleScale);
    }, ms).unref?.();
  }
}
