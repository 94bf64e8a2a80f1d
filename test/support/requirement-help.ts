/**
 * The services and files some suites need, where the tests look for them (overridable through the
 * environment), and the line that tells a developer how to provide each one.
 */
import { fileURLToPath } from 'node:url';

/** The shared Redis of the test machine (CI starts it); `TEST_REDIS_URL` to point elsewhere. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The shared PostgreSQL of the test machine (trust auth, db `test`); `TEST_DATABASE_URL` to point elsewhere. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** OpenAI's own OpenAPI description, shared beside the project (not copied into it). */
export const OPENAI_SPEC_PATH = fileURLToPath(
  new URL('../../../shared/specs/openai-openapi.yaml', import.meta.url),
);

/** The shared corpus of real platform payloads, beside the project (read, never copied in). */
export const CORPUS_FILES = ['twitch-irc.txt', 'telegram-updates.jsonl', 'discord-events.jsonl'].map((name) =>
  fileURLToPath(new URL(`../../../shared/corpus/${name}`, import.meta.url)),
);

/** The Chromium the browser tests drive (Debian's `chromium` package); `CHROMIUM_PATH` to point elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * What a suite can need: a Redis at TEST_REDIS_URL, a PostgreSQL at TEST_DATABASE_URL, a
 * `redis-server` binary to run (and kill) a Redis of its own, OpenAI's spec at OPENAI_SPEC_PATH,
 * the shared platform corpus (CORPUS_FILES), a Chromium at CHROMIUM_PATH (the console's browser tests).
 */
export type Requirement = 'redis' | 'postgres' | 'redis-server' | 'openai-spec' | 'corpus' | 'chromium';

/** Every requirement, and whether this machine meets it (the global setup's finding). */
export type Requirements = Record<Requirement, boolean>;

declare module 'vitest' {
  export interface ProvidedContext {
    requirements: Requirements;
  }
}

/** One line: what is missing and how to provide it. */
export function requirementHelp(need: Requirement): string {
  switch (need) {
    case 'redis':
      return (
        `Redis does not answer at ${TEST_REDIS_URL}; start it ` +
        `(redis-server --daemonize yes --port 6379 --save "" --appendonly no, as .ci/run does) or set TEST_REDIS_URL`
      );
    case 'postgres':
      return (
        `PostgreSQL does not answer at ${TEST_DATABASE_URL}; start it ` +
        `(pg_ctlcluster <version> main start, as .ci/run does) or set TEST_DATABASE_URL`
      );
    case 'redis-server':
      return 'no redis-server binary on PATH (the suite runs a Redis of its own); install Redis, e.g. apt-get install redis-server';
    case 'openai-spec':
      return `OpenAI's OpenAPI spec is not at ${OPENAI_SPEC_PATH}; check out shared/ beside the project`;
    case 'corpus':
      return `the shared platform corpus is not complete (${CORPUS_FILES.join(', ')}); check out shared/ beside the project`;
    case 'chromium':
      return `no Chromium at ${CHROMIUM_PATH} (the console's browser tests drive it); install it (apt-get update && apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`;
  }
}
