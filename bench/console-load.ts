/**
 * The operator console's first load in Chromium on loopback (issue 18's closing figures): time
 * from navigation to the sign-in form's `load` event, bytes transferred (the build's precompressed
 * brotli files) against the same files uncompressed, time from "Sign in" to the overview drawn, and
 * how many API calls that took. Baseline, same run, same browser: loading `GET /health` (one small
 * JSON answer), alternated with the console, fresh browser context (empty cache) each time.
 * Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and the console built
 * (`npm run build:console`). Runs: BENCH_RUNS (default 15). Run: `npm run bench:console`.
 */
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { createChatgate } from '../src/chatgate.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/logger.js';
import { memoryStores } from '../src/stores/store-set.js';
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
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
let sample: PageFigures | undefined;
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
    ['files', String(sample.files), '', ''],
  ]);
}
writeResults('console-load', { runs: RUNS, figures, sample });
