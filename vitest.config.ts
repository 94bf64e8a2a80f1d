import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fakes listen on loopback; a slow CI machine gets a little more room than the default 5 s.
    testTimeout: 15_000,
    hookTimeout: 15_000,
    // No shared state between files; each file builds its own services.
    pool: 'forks',
    // Probes Redis, PostgreSQL, redis-server and OpenAI's spec once; suites that need them read the
    // findings (test/support/requirements.ts): missing under CI fails, elsewhere skips.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
