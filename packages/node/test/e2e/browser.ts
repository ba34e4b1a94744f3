// Headless Chromium for end-to-end tests: Debian's /usr/bin/chromium (no browser downloads here),
// driven by playwright-core. Screenshots go to test-artifacts/ at the repository root.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";

export const ARTIFACTS = join(import.meta.dir, "..", "..", "..", "..", "test-artifacts");
export const UI_BUILD = join(import.meta.dir, "..", "..", "..", "..", "apps", "frontend", "build", "index.html");

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  if (!existsSync(UI_BUILD)) {
    throw new Error(`the web UI is not built (${UI_BUILD} is missing): run pnpm --filter @orrery/frontend build (pnpm test does)`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
