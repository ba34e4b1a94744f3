// Exit codes of the client and the one error type that carries them: every failure a command can
// meet is thrown as a CliError, and runClient turns it into a message on stderr and the exit code.

export const ExitCode = {
  ok: 0,
  /** The node answered with an error, or the operation failed part-way. */
  failed: 1,
  /** Unknown command or option, missing or invalid argument. */
  usage: 2,
  /** No answer from the node: connection refused, DNS, reset before a response. */
  unreachable: 3,
  /** The local side: missing or unreadable source, unwritable destination. */
  local: 4,
  /** The node's HTTPS certificate is not the one pinned for it, or not accepted yet (tls-pin.ts). */
  untrusted: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
    /** The server's error code (`not_found`, `conflict`...), when the node sent one. */
    readonly code?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A mistake in the command line; `showUsage` prints the usage text after the message. */
export class UsageError extends CliError {
  constructor(message: string, readonly showUsage = true) {
    super(ExitCode.usage, message);
    this.name = "UsageError";
  }
}

export const localError = (message: string) => new CliError(ExitCode.local, message);

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
