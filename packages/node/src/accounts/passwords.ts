// Password hashing (argon2id through Bun.password) and checking. A check costs ~50 ms of CPU and 19 MiB, so
// at most two run at once (more wait in a bounded line, beyond it the request is refused), and a password
// that checked out is remembered for a while: WebDAV and scripts send Basic credentials on every request.
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { OrreryError } from "../errors.ts";

/** OWASP's argon2id minimum (19 MiB, 2 passes): enough against guessing, cheap enough for a small node. */
const ARGON2 = { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 } as const;
export const PASSWORD_RULE = "8-256 characters";
export const passwordSchema = z.string().min(8, `a password is ${PASSWORD_RULE}`).max(256, `a password is ${PASSWORD_RULE}`);

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, ARGON2);
}

export interface PasswordCheckerInit {
  /** Checks running at once; the rest wait. */
  concurrency?: number;
  /** Checks waiting at most; beyond this a check is refused with 503. */
  maxWaiting?: number;
  /** How long a good password is remembered (ms), and how many are. */
  rememberMs?: number;
  maxRemembered?: number;
  now?: () => number;
}

export class PasswordChecker {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** Keyed by a salted digest of (hash, password), never the password: expiry time. */
  private readonly remembered = new Map<string, number>();
  private readonly salt = randomBytes(32);
  /** Checked when the user does not exist, so that case takes as long as a wrong password. */
  private readonly decoy: Promise<string> = hashPassword(randomBytes(16).toString("hex"));
  private readonly init: Required<PasswordCheckerInit>;

  constructor(init: PasswordCheckerInit = {}) {
    this.init = { concurrency: 2, maxWaiting: 64, rememberMs: 10 * 60_000, maxRemembered: 1024, now: Date.now, ...init };
  }

  /** Whether `password` matches `hash` (undefined: no such user, always false after the same work). */
  async check(password: string, hash: string | null | undefined): Promise<boolean> {
    if (password.length > 256) return false;
    const key = createHash("sha256").update(this.salt).update(hash ?? "").update("\0").update(password).digest("base64");
    const until = this.remembered.get(key);
    if (hash && until !== undefined && until > this.init.now()) return true;
    await this.slot();
    try {
      const ok = await Bun.password.verify(password, hash ?? (await this.decoy));
      if (ok && hash) this.remember(key);
      return ok && !!hash;
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private remember(key: string): void {
    this.remembered.delete(key);
    if (this.remembered.size >= this.init.maxRemembered) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(key, this.init.now() + this.init.rememberMs);
  }

  private async slot(): Promise<void> {
    if (this.running < this.init.concurrency) {
      this.running++;
      return;
    }
    if (this.waiting.length >= this.init.maxWaiting) throw new OrreryError(503, "busy", "too many password checks at once; try again shortly");
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
  }
}
