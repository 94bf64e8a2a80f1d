/**
 * vitest global setup: checks once per run which requirements this machine meets (Redis and
 * PostgreSQL answer, `redis-server` runs, OpenAI's spec, the platform corpus and Chromium are there) and provides the findings to every
 * test file (`inject('requirements')`, read by `describeNeeding`/`itNeeding`); builds the console
 * when its sources are newer than console/dist.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { PgSqlClient } from '../../src/stores/postgres/sql-client.js';
import { ensureConsoleBuilt } from '../browser/support/console-build.js';
import { redisAnswers } from '../stores/redis/support.js';
import {
  CHROMIUM_PATH,
  CORPUS_FILES,
  OPENAI_SPEC_PATH,
  type Requirement,
  type Requirements,
  requirementHelp,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
} from './requirement-help.js';

/** How long a service may take to answer the probe, ms. */
const PROBE_TIMEOUT_MS = 2000;

/** True when a PostgreSQL at `url` accepts a connection within PROBE_TIMEOUT_MS. */
async function postgresAnswers(url: string): Promise<boolean> {
  const client = new PgSqlClient({ connectionString: url, connectionTimeoutMs: PROBE_TIMEOUT_MS });
  try {
    await client.ready();
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Probes every requirement and provides the findings as `requirements`; warns about each one missing. */
export async function setup(project: TestProject): Promise<void> {
  const [redis, postgres] = await Promise.all([
    redisAnswers(TEST_REDIS_URL, PROBE_TIMEOUT_MS),
    postgresAnswers(TEST_DATABASE_URL),
  ]);
  const requirements: Requirements = {
    redis,
    postgres,
    'redis-server': spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0,
    'openai-spec': existsSync(OPENAI_SPEC_PATH),
    corpus: CORPUS_FILES.every((file) => existsSync(file)),
    chromium: existsSync(CHROMIUM_PATH),
  };
  // Once, before any file runs: the browser and route tests serve console/dist, and files that each
  // rebuilt it when the sources had changed raced (one emptied dist while another read it).
  await ensureConsoleBuilt();
  for (const need of Object.keys(requirements) as Requirement[]) {
    if (!requirements[need]) console.warn(`[requirements] ${requirementHelp(need)}`);
  }
  project.provide('requirements', requirements);
}
