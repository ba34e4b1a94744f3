// The terminal as the commands use it: text lines on stdout/stderr, and file data on stdout with
// backpressure, flushed before main.ts calls process.exit (which would drop unwritten pipe data).
import { once } from "node:events";

export const out = (text: string) => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
export const err = (text: string) => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);

export const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));

export const stderrIsTTY = () => process.stderr.isTTY === true;
export const stderrColumns = () => process.stderr.columns || 80;

export async function writeStdoutData(chunk: Uint8Array): Promise<void> {
  if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
}

/** Resolves once everything written so far has been handed to the OS. */
export async function flushOutput(): Promise<void> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => {
          stream.write("", () => resolve());
        }),
    ),
  );
}

/** `orrery get x - | head` closes our stdout early; that ends the command quietly, as it does for cat. */
export function exitQuietlyOnBrokenPipe(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}
