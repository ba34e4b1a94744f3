// Messages for the person at the screen: failures stay until dismissed (they matter), confirmations
// fade after a few seconds.
import { describeError } from "./errors.ts";

export interface Notice {
  id: number;
  kind: "error" | "info";
  text: string;
}

const INFO_MS = 4000;
const MAX = 4;

class Notices {
  list = $state<Notice[]>([]);
  private nextId = 1;

  error(text: string): void {
    this.push("error", text);
  }

  info(text: string): void {
    const id = this.push("info", text);
    setTimeout(() => this.dismiss(id), INFO_MS);
  }

  /**
   * Runs an action of the person's and shows its failure, if any, as an error notice; `busy` is told when it
   * starts and ends (to disable a form meanwhile).
   *
   * @example await notices.attempt(() => api.revokeToken(id), (b) => (busy = b));
   */
  async attempt(run: () => Promise<unknown>, busy: (running: boolean) => void = () => {}): Promise<void> {
    busy(true);
    try {
      await run();
    } catch (err) {
      this.error(describeError(err));
    } finally {
      busy(false);
    }
  }

  dismiss(id: number): void {
    this.list = this.list.filter((n) => n.id !== id);
  }

  private push(kind: Notice["kind"], text: string): number {
    const id = this.nextId++;
    // The same message twice in a row (a retry that failed again) is shown once.
    const rest = this.list.filter((n) => n.text !== text);
    this.list = [...rest, { id, kind, text }].slice(-MAX);
    return id;
  }
}

export const notices = new Notices();
