/**
 * The operator console's first load in Chromium on loopback (issue 18's closing figures): time
 * from navigation to the sign-in form's `load` event, bytes transferred (the build's precompressed
 * brotli files) against the same files uncompressed, time from "Sign in" to the overview drawn, and
 * how many API calls that took; then each other page opened from the nav: time to its data drawn,
 * its API calls and WebSockets, and the bytes of its lazy chunks (brotli as sent, and gzip). Baseline, same run, same browser: loading `GET /health` (one small
 * JSON answer), alternated with the console, fresh browser context (empty cache) each time.
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and the console built
 * (`npm run build:console`). Runs: BENCH_RUNS (default 15). Run: `npm run bench:console`.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createChatgate } from '../src/chatgate.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { memoryStores } from '../src/stores/store-set.js';
import { launchChromium } from '../test/browser/support/browser.js';
import { writeResults } from './lib/results.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const ADMIN_KEY = 'bench-console-admin';

const config = loadConfig({
  env: {},
  overrides: { auth: { adminKey: ADMIN_KEY }, log: { level: 'silent' } },
});
const chatgate = await createChatgate(config, {
  stores: memoryStores(config),
  logger: createLogger('silent'),
});
const base = await chatgate.app.listen({ host: '127.0.0.1', port: 0 });
const browser = await launchChromium();

/** What the page's Resource Timing says about its navigation and every file it loaded. */
const PAGE_FIGURES = `(() => {
  const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
  return {
    loadMs: performance.getEntriesByType('navigation')[0].loadEventEnd,
    transferred: entries.reduce((sum, e) => sum + e.transferSize, 0),
    encoded: entries.reduce((sum, e) => sum + e.encodedBodySize, 0),
    decoded: entries.reduce((sum, e) => sum + e.decodedBodySize, 0),
    files: entries.length,
  };
})()`;
interface PageFigures {
  loadMs: number;
  transferred: number;
  encoded: number;
  decoded: number;
  files: number;
}

const figures = {
  healthMs: [] as number[],
  consoleMs: [] as number[],
  signInMs: [] as number[],
  apiCalls: [] as number[],
};

/**
 * The other pages, opened in turn from the nav after sign-in (fresh context: each page's lazy chunk
 * is fetched the first time), and what shows that each has rendered its data.
 */
const PAGES: { name: string; ready: (page: Page) => Promise<unknown> }[] = [
  { name: 'Interactions', ready: (page) => page.getByRole('heading', { name: 'Live tail' }).waitFor() },
  { name: 'Communities', ready: (page) => page.getByText(/stored configs?[;(]/).waitFor() },
  { name: 'Usage', ready: (page) => page.getByText(/: [\d,]+ requests, [\d,]+ tokens\./).waitFor() },
  { name: 'Playground', ready: (page) => page.getByText(/^Connected as /).waitFor() },
];
/** Per page: ms from the nav click to rendered, API calls, WebSockets, body bytes sent (brotli) and as gzip. */
const perPage = new Map(
  PAGES.map(({ name }) => [
    name,
    { ms: [] as number[], apiCalls: [] as number[], sockets: [] as number[], sent: 0, gzip: 0 },
  ]),
);
const DIST = fileURLToPath(new URL('../console/dist/', import.meta.url));
/** The gzip size of a console file the page fetched (its precompressed `.gz` in dist), bytes. */
function gzipSize(url: string): number {
  const path = new URL(url).pathname.replace(/^\/console\//, '') || 'index.html';
  return statSync(join(DIST, `${path}.gz`), { throwIfNoEntry: false })?.size ?? 0;
}
// encodedBodySize: the body as sent (brotli), without headers, so it compares with the .gz sizes.
const RESOURCES = `performance.getEntriesByType('resource').map((e) => ({ name: e.name, encodedBodySize: e.encodedBodySize }))`;
type Resource = { name: string; encodedBodySize: number };
let sample: PageFigures | undefined;
let firstLoadGzip = 0;
/** The gzip sizes of the first load's files (index.html, JS, CSS), bytes. */
async function firstLoadGzipBytes(page: Page): Promise<number> {
  const names = (await page.evaluate(
    `[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => e.name)`,
  )) as string[];
  return names
    .filter((name) => new URL(name).pathname.startsWith('/console/'))
    .reduce((sum, name) => sum + gzipSize(name), 0);
}
for (let run = 0; run < RUNS; run++) {
  const health = await browser.newContext();
  const healthPage = await health.newPage();
  await healthPage.goto(`${base}/health`, { waitUntil: 'load' });
  figures.healthMs.push(((await healthPage.evaluate(PAGE_FIGURES)) as PageFigures).loadMs);
  await health.close();

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/console/`, { waitUntil: 'load' });
  await page.getByLabel('Admin key').waitFor();
  sample = (await page.evaluate(PAGE_FIGURES)) as PageFigures;
  figures.consoleMs.push(sample.loadMs);
  // Before "Sign in", as `sample`: the same files, not those the overview may fetch after it.
  if (run === 0) firstLoadGzip = await firstLoadGzipBytes(page);
  let apiCalls = 0;
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/')) apiCalls++;
  });
  await page.getByLabel('Admin key').fill(ADMIN_KEY);
  const started = performance.now();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Platforms' }).waitFor();
  figures.signInMs.push(performance.now() - started);
  figures.apiCalls.push(apiCalls);
  let sockets = 0;
  page.on('websocket', () => sockets++);
  for (const { name, ready } of PAGES) {
    const before = ((await page.evaluate(RESOURCES)) as Resource[]).length;
    apiCalls = 0;
    sockets = 0;
    const opened = performance.now();
    await page.getByRole('link', { name }).click();
    await ready(page);
    const figuresOf = perPage.get(name);
    if (!figuresOf) continue;
    figuresOf.ms.push(performance.now() - opened);
    figuresOf.apiCalls.push(apiCalls);
    figuresOf.sockets.push(sockets);
    if (run === 0) {
      // Files (not API answers) the page fetched on its first open: its lazy chunks.
      const fetched = ((await page.evaluate(RESOURCES)) as Resource[])
        .slice(before)
        .filter((entry) => new URL(entry.name).pathname.startsWith('/console/'));
      figuresOf.sent = fetched.reduce((sum, entry) => sum + entry.encodedBodySize, 0);
      figuresOf.gzip = fetched.reduce((sum, entry) => sum + gzipSize(entry.name), 0);
    }
  }
  await context.close();
}
await browser.close();
await chatgate.close();

const p50 = (values: number[]) => percentile(values, 50);
const healthP50 = p50(figures.healthMs);
printTable(`operator console on loopback, ${RUNS} fresh loads each (p50)`, [
  ['', 'GET /health (baseline)', 'console', 'console / baseline'],
  [
    'navigation to load event, ms',
    healthP50.toFixed(1),
    p50(figures.consoleMs).toFixed(1),
    ratio(p50(figures.consoleMs), healthP50),
  ],
  ['"Sign in" to overview drawn, ms', '', p50(figures.signInMs).toFixed(1), ''],
  ['API calls to draw the overview', '', String(p50(figures.apiCalls)), ''],
]);
if (sample) {
  printTable('bytes of the first load (index.html, JS, CSS)', [
    ['', 'uncompressed', 'sent (brotli, precompressed)', 'sent / uncompressed'],
    ['bodies', String(sample.decoded), String(sample.encoded), ratio(sample.encoded, sample.decoded)],
    ['with headers', '', String(sample.transferred), ''],
    ['as gzip (the .gz files)', '', String(firstLoadGzip), ratio(firstLoadGzip, sample.decoded)],
    ['files', String(sample.files), '', ''],
  ]);
}
printTable(`each page opened from the nav after sign-in (p50 of ${RUNS}; bytes: its first open)`, [
  [
    'page',
    'click to rendered, ms',
    'API calls',
    'WebSockets',
    'files sent (brotli bodies), bytes',
    'as gzip, bytes',
  ],
  ...[...perPage].map(([name, page]) => [
    name,
    p50(page.ms).toFixed(1),
    String(p50(page.apiCalls)),
    String(p50(page.sockets)),
    String(page.sent),
    String(page.gzip),
  ]),
]);
writeResults('console-load', {
  runs: RUNS,
  figures,
  sample,
  firstLoadGzip,
  pages: Object.fromEntries(perPage),
});
