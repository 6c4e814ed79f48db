/**
 * Browser-test support for the console: build it, a fresh browser context at a desk's width,
 * signing in, and screenshots for the notes. The browser itself is launched as the POS's tests
 * launch it (Debian's Chromium through playwright-core).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";

export { browserTestsOff, launchBrowser, requireChromium } from "../../pos/test/support.js";

export const CONSOLE_DIR = fileURLToPath(new URL("..", import.meta.url));

/** Builds the console into packages/console/dist (the server serves it from there). */
export async function buildConsole(): Promise<void> {
  const { build } = await import("vite");
  await build({ configFile: join(CONSOLE_DIR, "vite.config.ts"), root: CONSOLE_DIR, logLevel: "warn" });
}

export async function consoleContext(
  browser: Browser,
  opts: { width?: number; pageErrors?: string[] } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: 900 },
    deviceScaleFactor: 1,
    locale: "en-US",
  });
  const page = await context.newPage();
  const errors = opts.pageErrors;
  if (errors) page.on("pageerror", (err) => errors.push(err.message));
  return { context, page };
}

/** Opens the console at `base` and signs in with `token`; resolves once the shell shows. */
export async function signIn(page: Page, base: string, token: string, hash = ""): Promise<void> {
  await page.goto(`${base}/console/${hash}`);
  await page.locator('[data-screen="sign-in"]').waitFor();
  await page.fill("#operator-token", token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".shell").waitFor();
}

/**
 * Screenshots of a screen at 1280 px and 768 px for the notes (NOTES_SHOTS=dir; nothing when
 * unset): the page is resized, shot whole, and put back.
 */
export async function noteShots(page: Page, name: string): Promise<void> {
  const dir = process.env.NOTES_SHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const width of [1280, 768]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(dir, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(size);
}
