/**
 * The embedded database's footprint: the interaction log on PGlite as chatgate configures it
 * (EMBEDDED_SETTINGS: a 16 MB `shared_buffers`, the write-ahead log checkpointed every 64 MB, and a
 * VACUUM and CHECKPOINT after each prune) against PGlite as it comes (128 MB `shared_buffers`, 1 GB `max_wal_size`,
 * no VACUUM nor CHECKPOINT, and single-user mode has neither autovacuum nor a checkpointer), in the same run, each in a fresh process, the
 * same workload (lib/pglite-footprint-child.ts: BENCH_ROWS interactions, default 60,000, kept to
 * the newest 10,000). Prints RSS, bytes on disk and rows/s, with chatgate / PGlite-as-it-comes.
 * Run: `npm run bench:pglite`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/stats.js';

interface Figures {
  variant: string;
  rows: number;
  rssStart: number;
  rssEnd: number;
  tableBytes: number;
  walBytes: number;
  rowsPerSecond: number;
}

const child = fileURLToPath(new URL('./lib/pglite-footprint-child.ts', import.meta.url));
const run = (variant: 'pglite' | 'chatgate'): Figures =>
  JSON.parse(
    execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', child], {
      env: { ...process.env, FOOTPRINT_VARIANT: variant },
      maxBuffer: 1 << 20,
    }).toString(),
  ) as Figures;

// Alternated, twice each: the machine's noise falls on both variants alike.
const runs = [run('pglite'), run('chatgate'), run('pglite'), run('chatgate')];
const mean = (variant: string, pick: (figures: Figures) => number) => {
  const of = runs.filter((figures) => figures.variant === variant).map(pick);
  return of.reduce((sum, value) => sum + value, 0) / of.length;
};
const MB = 1_048_576;
const rows: [string, (figures: Figures) => number, number][] = [
  ['RSS after start, MB', (f) => f.rssStart / MB, 1],
  ['RSS at the end, MB', (f) => f.rssEnd / MB, 1],
  ['tables on disk, MB', (f) => f.tableBytes / MB, 1],
  ['write-ahead log on disk, MB', (f) => f.walBytes / MB, 1],
  ['rows/s (add + update + flushes + prunes)', (f) => f.rowsPerSecond, 0],
];
printTable(
  `interaction log on PGlite, ${runs[0]?.rows} interactions kept to the newest 10,000 (mean of 2 runs each)`,
  [
    ['', 'PGlite as it comes (baseline)', 'chatgate', 'chatgate / baseline'],
    ...rows.map(([name, pick, digits]) => [
      name,
      mean('pglite', pick).toFixed(digits),
      mean('chatgate', pick).toFixed(digits),
      ratio(mean('chatgate', pick), mean('pglite', pick)),
    ]),
  ],
);
writeResults('pglite-footprint', { runs });
