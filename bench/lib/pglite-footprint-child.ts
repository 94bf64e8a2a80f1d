/**
 * One variant of `bench/pglite-footprint.ts`, in a fresh process: the interaction log on PGlite in
 * a new temporary directory, fed BENCH_ROWS interactions (each added as queued, then updated to
 * done with a reply, as the router and worker write them), pruned every PRUNE_EVERY rows as the
 * 60 s prune timer would at ~80 events/s. FOOTPRINT_VARIANT `pglite`: PGlite's own settings and no
 * VACUUM (chatgate before); `chatgate`: EMBEDDED_SETTINGS and VACUUM and CHECKPOINT after each prune. Prints one
 * JSON line: RSS after start and at the end (after a GC), bytes on disk (tables, write-ahead log),
 * and rows written per second.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrate } from '../../src/stores/postgres/migrate.js';
import { EMBEDDED_SETTINGS, PgliteSqlClient } from '../../src/stores/postgres/pglite-sql-client.js';
import { SqlInteractionLog } from '../../src/stores/postgres/sql-interaction-log.js';
import { chatEvent } from '../../test/support/events.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 60_000);
const PRUNE_EVERY = 5_000;
const variant = process.env.FOOTPRINT_VARIANT === 'pglite' ? 'pglite' : 'chatgate';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const rss = () => {
  gc?.();
  return process.memoryUsage.rss();
};
/** Bytes under `path` (du: what the files take on disk). */
const du = (path: string) => Number(execFileSync('du', ['-sb', path]).toString().split('\t')[0]);

const dir = mkdtempSync(join(tmpdir(), 'chatgate-footprint-'));
const dataDir = join(dir, 'pglite');
const client = new PgliteSqlClient({
  dataDir,
  settings: variant === 'pglite' ? {} : { ...EMBEDDED_SETTINGS },
});
await client.ready();
await migrate(client);
const log = new SqlInteractionLog(client, {
  maxRows: 10_000,
  vacuum: variant === 'chatgate',
  pruneIntervalMs: 3_600_000,
});
const rssStart = rss();
const started = performance.now();
for (let i = 1; i <= ROWS; i++) {
  const id = `footprint-${i}`;
  const event = chatEvent({ text: `@chatgate what do you think about run number ${i}? `.repeat(3) });
  await log.add({ id, event, status: 'queued', trigger: 'mention', createdAt: Date.now() });
  await log.update(id, {
    status: 'done',
    completedAt: Date.now(),
    reply: {
      text: 'A fine question. '.repeat(12),
      mode: 'remote',
      provider: 'openai',
      model: 'bench-model',
      serviceStatus: 'healthy',
      processingTimeMs: 120,
    },
  });
  if (i % 1_000 === 0) await log.flush();
  if (i % PRUNE_EVERY === 0) await log.prune();
}
await log.flush();
const seconds = (performance.now() - started) / 1000;
const rssEnd = rss();
const figures = {
  variant,
  rows: ROWS,
  rssStart,
  rssEnd,
  tableBytes: du(join(dataDir, 'base')),
  walBytes: du(join(dataDir, 'pg_wal')),
  rowsPerSecond: ROWS / seconds,
};
await log.close();
await client.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(figures)}\n`);
