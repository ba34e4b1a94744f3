// Headless Chromium for end-to-end tests: Debian's /usr/bin/chromium (no browser downloads here),
// driven by playwright-core. Screenshots go to test-artifacts/ at the repository root.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const ARTIFACTS = join(import.meta.dir, "..", "..", "..", "..", "test-artifacts");
export const UI_BUILD = join(import.meta.dir, "..", "..", "..", "..", "apps", "frontend", "build", "index.html");

/** `extraArgs`: more Chromium switches, e.g. `--host-resolver-rules` to point a made-up name at 127.0.0.1. */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(UI_BUILD)) {
    throw new Error(`the web UI is not built (${UI_BUILD} is missing): run pnpm --filter @orrery/frontend build (pnpm test does)`);
  }
  return launchChromium(extraArgs);
}

/** Chromium alone, for tests that need no web UI (pages of their own against the S3 port). */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
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
      ...extraArgs,
    ],
  });
}

/**
 * Collects the page's console errors (those matching `only`, when given) and uncaught exceptions, with
 * every Content-Security-Policy violation reported as an error naming the directive it broke.
 */
export async function recordErrors(page: Page, only?: RegExp): Promise<string[]> {
  const errors: string[] = [];
  await page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)),
  );
  const keep = (text: string) => {
    if (!only || only.test(text)) errors.push(text);
  };
  page.on("console", (m) => m.type() === "error" && keep(m.text()));
  page.on("pageerror", (e) => keep(`uncaught: ${e.message}`));
  return errors;
}

/** A full-page screenshot from the top (scrolled, the sticky header would be drawn mid-page) into test-artifacts/. */
export async function fullPageShot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Pages each in a context of its own (a viewport, a colour scheme, a touch screen, downloads accepted); close() ends them all. */
export class PagesOf {
  private readonly contexts: BrowserContext[] = [];
  constructor(private readonly browser: () => Browser) {}

  async page(viewport: { width: number; height: number }, colorScheme: "light" | "dark", touch = false): Promise<Page> {
    const context = await this.browser().newContext({ viewport, colorScheme, acceptDownloads: true, hasTouch: touch, isMobile: touch });
    this.contexts.push(context);
    return context.newPage();
  }

  async close(): Promise<void> {
    for (const c of this.contexts) await c.close();
  }
}

/** The row of `name` in the file listing a page shows. */
export const entryOf = (p: Page, name: string) => p.locator(`[data-testid="entry"][data-name="${name}"]`);
