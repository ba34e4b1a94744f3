// One start/stop for the parts of a node: started in order; a part that fails to start stops the ones
// already running (in reverse) before the error goes on; stop drains every part (stop taking new work,
// finish what is in flight), newest first, then stops them newest first. A part that fails to stop is
// logged and the rest still stop.
import type { Logger } from "../log.ts";

export interface Service {
  readonly name: string;
  start(): void | Promise<void>;
  /** Stop taking new work and finish what is in flight (bounded by the part itself). */
  drain?(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export class Lifecycle {
  private readonly services: Service[] = [];
  private started: Service[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  add(...services: Service[]): this {
    this.services.push(...services);
    return this;
  }

  async start(): Promise<void> {
    for (const s of this.services) {
      try {
        await s.start();
      } catch (err) {
        this.log.error("start failed; stopping what started", { service: s.name, err });
        await this.stop();
        throw err;
      }
      this.started.push(s);
    }
  }

  /** Idempotent: a second call waits for the first. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    const running = [...this.started].reverse();
    this.started = [];
    for (const s of running) await this.attempt(s, "drain");
    for (const s of running) await this.attempt(s, "stop");
  }

  private async attempt(s: Service, step: "drain" | "stop"): Promise<void> {
    try {
      await s[step]?.();
    } catch (err) {
      this.log.error(`${step} failed`, { service: s.name, err });
    }
  }
}

/** A service from two functions. */
export function service(name: string, start: () => void | Promise<void>, stop: () => void | Promise<void>, drain?: () => void | Promise<void>): Service {
  return { name, start, stop, drain };
}
