/**
 * The state issue's promise: a community config written with PUT survives a restart and steers the
 * next interaction: on PGlite under a data dir (no DATABASE_URL), and on PostgreSQL + Redis.
 */

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/observability/logger.js';
import { createServices } from '../../src/services.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { interactionBody } from '../support/events.js';
import { itNeeding } from '../support/requirements.js';
import { testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';
import { PG_URL } from './postgres/support.js';
import { TEST_REDIS_URL } from './redis/support.js';

describe('community config across a restart', () => {
  let ollama: FakeServer;
  let dataDir: string;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    dataDir = mkdtempSync(join(tmpdir(), 'chatgate-data-'));
  });
  afterAll(async () => {
    await ollama.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** One run of chatgate on `config`: `work` gets its app, then everything closes. */
  async function run(config: Config, work: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<void>) {
    const services = await createServices(config, { logger: createLogger('silent') });
    const app = await buildApp(services);
    try {
      await work(app);
    } finally {
      await app.close();
      await services.close();
    }
  }

  async function checkSurvives(stores: Partial<Config['stores']>) {
    const community = `api:restart-${randomUUID()}`;
    const config = testConfig({
      ai: { ollama: { host: ollama.url } },
      stores: { secretKey: 'a-secret-key-for-tests-123', ...stores },
    });
    await run(config, async (app) => {
      const put = await app.inject({
        method: 'PUT',
        url: `/api/v1/communities/${community}/config`,
        payload: { model: 'qwen3:0.6b', system_prompt: 'You are Restart Bot.', api_key: 'sk-restart-0000' },
      });
      expect(put.statusCode).toBe(200);
    });
    ollama.reset();
    await run(config, async (app) => {
      const ack = (
        await app.inject({
          method: 'POST',
          url: '/api/v1/ai/interaction',
          payload: interactionBody({
            community_id: community,
            channel_id: 'c',
            user: { id: 'u1' },
            text: '@chatgate hello',
          }),
        })
      ).json();
      await waitFor(async () => {
        const body = (
          await app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${ack.interaction_id}` })
        ).json();
        return body.status === 'done' ? body : undefined;
      }, 10_000);
      const sent = ollama.calls.find((call) => call.path === '/api/chat')?.body as {
        model: string;
        messages: { content: string }[];
      };
      expect(sent.model).toBe('qwen3:0.6b');
      expect(sent.messages[0]?.content).toContain('You are Restart Bot.');
      const listed = (
        await app.inject({ method: 'GET', url: `/api/v1/ai/interactions?community_id=${community}` })
      ).json();
      expect(listed.interactions).toHaveLength(1);
    });
  }

  it('on the embedded PGlite under CHATGATE_DATA_DIR', async () => {
    await checkSurvives({ dataDir });
  }, 60_000);

  itNeeding(
    ['postgres', 'redis'],
    'on PostgreSQL and Redis (DATABASE_URL, REDIS_URL)',
    async () => {
      await checkSurvives({ databaseUrl: PG_URL, redisUrl: TEST_REDIS_URL });
    },
    60_000,
  );
});
