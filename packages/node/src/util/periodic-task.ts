// Runs an async job every `intervalMs`, never two at once, and stops cleanly: stop() waits for a
// pass in progress. The shape of Garage's background workers, for GC, hand-off and anti-entropy.

export class PeriodicTask {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly job: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      this.running = this.job()
        .then(
          () => undefined,
          (err) => this.onError(err),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
