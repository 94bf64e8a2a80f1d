/**
 * What a stored client key costs per request (issue 14): `POST /v1/chat/completions` answered by
 * the local responder (no upstream: the request's own cost is small, so auth and quotas show), sent
 * with `app.inject` in interleaved rounds with four keys: a static integration key (the baseline),
 * a stored key without limits (a cached look-up by SHA-256), a stored key with `rpm` and
 * `daily_tokens` (plus the in-process window counter and the usage meter's count of its tokens), and a well-formed key nobody
 * issued (a cached "no": what a flood of bad keys costs). µs per request, median of the rounds,
 * ratio to the static key measured in the same run.
 * Run: `npm run bench:keys` (BENCH_ROUNDS, default 7; BENCH_REQUESTS per round and key,
 * default 1500).
 */
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { newClientKey } from '../src/http/client-keys/key-material.js';
import { createLogger } from '../src/observability/logger.js';
import { createServices } from '../src/services.js';
import { memoryStores } from '../src/stores/store-set.js';
import { writeResults } from './lib/results.js';
import { percentile, printTable, ratio } from './lib/stats.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const requests = Number(process.env.BENCH_REQUESTS ?? 1500);
const STATIC_KEY = 'bench-static-key-0001';
const ADMIN = 'bench-admin-key-0001';

const config = loadConfig({
  env: {},
  overrides: {
    log: { level: 'silent' },
    ai: { mode: 'local' },
    auth: { apiKeys: [STATIC_KEY], adminKey: ADMIN },
    openaiApi: { rateLimitPerMinute: 1_000_000_000 },
  },
});
const services = await createServices(config, {
  logger: createLogger('silent'),
  stores: memoryStores(config),
});
const app = await buildApp(services);

async function storedKey(body: object): Promise<string> {
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/keys',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { name: 'bench', ...body },
  });
  return created.json().key;
}

const cases: Record<string, { key: string; status: number }> = {
  'static key': { key: STATIC_KEY, status: 200 },
  'stored key, no limits': { key: await storedKey({}), status: 200 },
  'stored key, rpm + daily_tokens': {
    key: await storedKey({ rpm: 1_000_000, daily_tokens: 2_000_000_000 }),
    status: 200,
  },
  'unknown cg_ key (401)': { key: newClientKey().key, status: 401 },
};
const payload = { model: 'chatgate/auto', messages: [{ role: 'user', content: 'hello' }] };

async function round(key: string, status: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < requests; i++) {
    const answer = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${key}` },
      payload,
    });
    if (answer.statusCode !== status) throw new Error(`expected ${status}, got ${answer.statusCode}`);
  }
  return ((performance.now() - started) * 1000) / requests;
}

// A warm-up round each, then interleaved rounds so that drift hits every case alike.
for (const { key, status } of Object.values(cases)) await round(key, status);
const perRequest: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, { key, status }] of Object.entries(cases))
    perRequest[name]?.push(await round(key, status));
}
const median = (name: string) => percentile(perRequest[name] ?? [], 50);
const baseline = median('static key');
const rows = [['case', 'µs/request (median)', 'ratio to static key']];
for (const name of Object.keys(cases))
  rows.push([name, median(name).toFixed(1), ratio(median(name), baseline)]);
printTable(
  `client keys: ${rounds} rounds × ${requests} requests per key (app.inject, local responder)`,
  rows,
);
writeResults('client-keys', {
  parameters: { rounds, requests },
  microsecondsPerRequest: Object.fromEntries(Object.keys(cases).map((name) => [name, median(name)])),
});
await app.close();
await services.close();
