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

/** How long a console page may take to show what a test waits for: loads on a loaded 2-core machine. */
export const SLOW_MS = 30_000;

/**
 * A new watched page (see `openPage`) at `<base>/console/`; `beforeLoad` runs first (to add routes
 * or listeners that must see the first request). Its context closes with the browser.
 */
export async function openConsole(
  browser: Browser,
  base: string,
  viewport: { width: number; height: number },
  colorScheme: 'light' | 'dark' = 'light',
  beforeLoad?: (page: Page) => Promise<unknown> | unknown,
): Promise<WatchedPage> {
  const watched = await openPage(browser, viewport, colorScheme);
  await beforeLoad?.(watched.page);
  await watched.page.goto(`${base}/console/`);
  return watched;
}

/** Signs in with `key` as an operator does (the "Admin key" field, "Sign in"); resolves once signed in. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('Admin key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: SLOW_MS });
}
