import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that start chatgate processes (`test/support/chatgate-process.ts`): the multi-process
 * tests, and the start-behaviour tests (start log, listen host, data-dir lock). Each child compiles
 * the sources with tsx at start, which a loaded machine slows past any sane start timeout when
 * four test workers compete with it: they run apart, one file at a time.
 */
const PROCESS_TESTS = [
  'test/scale/**/*.test.ts',
  'test/start-report.test.ts',
  'test/listen-host.test.ts',
  'test/stores/postgres/data-dir-lock.test.ts',
];

export default defineConfig({
  test: {
    // Fakes listen on loopback; a slow CI machine gets a little more room than the default 5 s.
    testTimeout: 15_000,
    // Set-up hooks open PGlite (initdb in WASM: 3–12 s each when four files open one at once on two
    // cores) before any test can run; a hung hook still fails, a minute later.
    hookTimeout: 60_000,
    // Probes Redis, PostgreSQL, redis-server and OpenAI's spec once; suites that need them read the
    // findings (test/support/requirements.ts): missing under CI fails, elsewhere skips.
    globalSetup: ['test/support/global-setup.ts'],
    // The suite waits on loopback servers, Redis, PostgreSQL and timers far more than it computes
    // (one worker: 30 s of CPU in 87 s), so it runs more files at once than there are cores. vitest's
    // default (cores - 1) is a single worker on a 2-core machine.
    maxWorkers: 4,
    projects: [
      {
        extends: true,
        // Files that build their own services and fakes: one module cache per worker thread (no
        // re-import per file). A file must leave no global state behind (fake timers, env stubs).
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...PROCESS_TESTS],
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        // Each file starts several chatgate processes, a redis-server and a PostgreSQL schema of its
        // own: one file at a time, each in a process of its own, so they do not starve each other.
        test: {
          name: 'scale',
          include: PROCESS_TESTS,
          pool: 'forks',
          maxWorkers: 1,
        },
      },
    ],
  },
});
