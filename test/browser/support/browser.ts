/**
 * Chromium for the console's browser tests, driven by playwright-core: Debian's `chromium`
 * (CHROMIUM_PATH), headless, no network beyond what the page asks for. Each page records its
 * console errors and uncaught exceptions: a test ends by asserting there were none.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../support/requirement-help.js';

/** Screenshots land here (gitignored): look at them after a run. */
export const SHOTS_DIR = fileURLToPath(new URL('../shots/', import.meta.url));

/** The two widths the console must work at (issue 18). */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 375, height: 800 },
} as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page and the console errors it has logged so far. */
export interface WatchedPage {
  page: Page;
  errors: string[];
}

/**
 * A new page of `viewport` in its own context (own memory: a new sign-in), watched for errors;
 * `colorScheme` as the system setting the page sees (`prefers-color-scheme`).
 */
export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number },
  colorScheme: 'light' | 'dark' = 'light',
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return { page, errors };
}

/** Writes a full-page screenshot to `SHOTS_DIR/<name>.png`. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: `${SHOTS_DIR}${name}.png`, fullPage: true });
}
