import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeepPartial } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { probeDefaultProvider, providersInUse, storesInUse } from '../src/start-report.js';
import { type FakeServer, startFakeOllama } from './fakes/fake-ollama.js';
import { freePort } from './stores/redis/support.js';
import { startChatgate } from './support/chatgate-process.js';
import { testConfig, testServices } from './support/services.js';
import { waitFor } from './support/wait-for.js';

describe('what the start log says', { timeout: 60_000 }, () => {
  let ollama: FakeServer;
  beforeAll(async () => {
    ollama = await startFakeOllama();
  });
  afterAll(() => ollama?.close());

  async function servicesOn(overrides: DeepPartial<Config>) {
    const config = testConfig(overrides);
    return { config, services: await testServices(config) };
  }

  it('names the providers at their public endpoints, never a URL credential', async () => {
    const { config, services } = await servicesOn({
      ai: {
        provider: 'openai',
        fallbackProvider: 'ollama',
        model: 'm1',
        openai: { baseUrl: 'http://user:pw-secret@llm.example:4000/v1?api_key=sk-hidden', model: 'gpt-x' },
        ollama: { host: ollama.url },
      },
      stores: { redisUrl: 'redis://:redis-secret@cache.example:6379/0' },
    });
    try {
      const providers = providersInUse(config, services);
      expect(providers).toEqual([
        { role: 'default', kind: 'openai', endpoint: 'http://llm.example:4000/v1', model: 'gpt-x' },
        { role: 'fallback', kind: 'ollama', endpoint: ollama.url, model: 'm1' },
      ]);
      const stores = storesInUse(config, services);
      // The test's stores are in-process ones, whatever REDIS_URL says: the URL shows in public form.
      expect(stores).toEqual({
        context: 'memory (redis redis://cache.example:6379/0 off)',
        database: 'memory',
        queue: 'memory',
      });
      expect(JSON.stringify([providers, stores])).not.toMatch(/secret|hidden/);
    } finally {
      await services.close();
    }
  });

  it('says the default provider answers when it does', async () => {
    const { config, services } = await servicesOn({ ai: { ollama: { host: ollama.url } } });
    try {
      const probe = await probeDefaultProvider(config, services, 2_000);
      expect(probe).toMatchObject({ kind: 'ollama', endpoint: ollama.url, ok: true });
    } finally {
      await services.close();
    }
  });

  it('says it does not, within the timeout, when the provider hangs or is down', async () => {
    // Accepts the connection and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hung = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const down = `http://127.0.0.1:${await freePort()}`;
    try {
      for (const host of [hung, down]) {
        const { config, services } = await servicesOn({ ai: { ollama: { host } } });
        try {
          const started = performance.now();
          const probe = await probeDefaultProvider(config, services, 300);
          expect(probe).toMatchObject({ kind: 'ollama', endpoint: host, ok: false });
          expect(probe.detail).toBeTruthy();
          expect(performance.now() - started).toBeLessThan(1_500);
        } finally {
          await services.close();
        }
      }
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('npm start logs the stores, the providers and whether the default provider answers', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const chatgate = await startChatgate({ OLLAMA_HOST: down });
    try {
      const lines = () =>
        chatgate
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      const probe = await waitFor(() =>
        lines().find((line) => String(line.msg).startsWith('default provider')),
      );
      const listening = lines().find((line) => String(line.msg).includes('listening on'));
      expect(listening).toMatchObject({
        stores: { context: 'memory', database: expect.stringMatching(/^pglite .*data$/), queue: 'memory' },
        providers: [{ role: 'default', kind: 'ollama', endpoint: down, model: expect.any(String) }],
      });
      expect(probe).toMatchObject({ level: 40, provider: 'ollama', endpoint: down });
      expect(probe?.msg).toContain(`default provider ollama at ${down} does not answer`);
    } finally {
      await chatgate.stop();
    }
  });
});
