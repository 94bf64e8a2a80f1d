import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AiResult } from '../../src/ai/ai-result.js';
import { type AiRequest, AiService, AiUnavailableError } from '../../src/ai/ai-service.js';
import { ProviderRegistry } from '../../src/ai/provider-registry.js';
import { ProviderError } from '../../src/ai/providers/provider.js';
import type { ResilienceSettings, ResilientEndpoint } from '../../src/ai/resilience.js';
import { RedisSharedBreakerStore } from '../../src/ai/shared-breaker-redis.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { createRedisConnection, type RedisConnection } from '../../src/stores/redis/redis-connection.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import {
  deleteByPrefix,
  freePort,
  keysByPrefix,
  randomPrefix,
  redisAnswers,
  startRedisServer,
  TEST_REDIS_URL,
} from '../stores/redis/support.js';
import { describeNeeding, itNeeding } from '../support/requirements.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Opens after 3 failed attempts (one attempt per call), half-opens 30 s later, one trial closes. The
 * cool-down never ends on its own during a test, however slow the machine: `endCoolDown` ends it.
 */
const resilience: ResilienceSettings = {
  requestTimeoutMs: 2000,
  breaker: { failureThreshold: 3, halfOpenAfterMs: 30_000, successThreshold: 1 },
  retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5 },
};

const community: AiRequest['community'] = {
  provider: 'ollama',
  model: 'llama3.2',
  temperature: 0.5,
  maxTokens: 64,
};

/** One chatgate instance's AI side: its own Redis connection, registry and service. */
interface Instance {
  connection: RedisConnection;
  store: RedisSharedBreakerStore;
  ai: AiService;
  registry: ProviderRegistry;
  /** The store's log lines. */
  logs: Record<string, unknown>[];
}

/** What a call ended with: the answer, or the error code of the last link (`http`, `breaker_open` …). */
async function ask(
  instance: Instance,
  extra: Partial<AiRequest['community']> = {},
): Promise<AiResult | string> {
  try {
    return await instance.ai.complete({
      community: { ...community, ...extra },
      messages: [{ role: 'user', content: 'Say hello' }],
    });
  } catch (error) {
    // Never a Redis error: only the provider chain's own.
    expect(error).toBeInstanceOf(AiUnavailableError);
    const last = (error as AiUnavailableError).lastError;
    expect(last).toBeInstanceOf(ProviderError);
    return (last as ProviderError).code;
  }
}

describeNeeding(['redis'], 'shared breaker', () => {
  let fake: FakeServer;
  let prefix: string;
  const instances: Instance[] = [];
  const admin = createRedisConnection({ url: TEST_REDIS_URL });

  /** An instance on `url` (the test Redis by default); waits for its connection unless `wait` is false. */
  async function instance(
    options: { url?: string; wait?: boolean; pauseMs?: number; opTimeoutMs?: number } = {},
  ): Promise<Instance> {
    const connection = createRedisConnection({ url: options.url ?? TEST_REDIS_URL, maxBackoffMs: 100 });
    if (options.wait !== false) expect(await connection.health.waitUntilUp(5000)).toBe(true);
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger('info', { write: (line: string) => logs.push(JSON.parse(line)) });
    const store = new RedisSharedBreakerStore(connection.client, {
      prefix,
      logger,
      pauseMs: options.pauseMs,
      // The store's default (100 ms) is a production figure; a loaded test machine can exceed it and
      // turn a shared-state test into a local-breaker one. Tests of the timeout set their own.
      opTimeoutMs: options.opTimeoutMs ?? 2000,
    });
    const metrics = new Metrics({ defaultMetrics: false });
    const registry = new ProviderRegistry({ ollamaHost: fake.url }, resilience, metrics, 'TestBot', store);
    const made = { connection, store, registry, ai: new AiService(registry, metrics, 'remote', false), logs };
    instances.push(made);
    return made;
  }

  const guardOf = (instance: Instance): ResilientEndpoint => instance.registry.get('ollama').guard!;

  /** Fails `failureThreshold` calls of `instance` with HTTP 500: its breaker opens, here and in Redis. */
  async function trip(instance: Instance): Promise<void> {
    fake.behave({ fail: { status: 500, times: resilience.breaker.failureThreshold } });
    for (let i = 0; i < resilience.breaker.failureThreshold; i++) expect(await ask(instance)).toBe('http');
    expect(guardOf(instance).state).toBe('open');
  }

  /** This test's keys in a Redis (the shared one by default), sorted. */
  const keys = (client = admin.client): Promise<string[]> => keysByPrefix(client, prefix);

  /**
   * Ends every breaker's cool-down at once, as the half-open delay passing would: the clock of the
   * local breakers (cockatiel's and ours read `Date.now()`) moves past it, and the shared `open`
   * keys expire (their PX is the delay, checked in the keys test below).
   */
  async function endCoolDown(): Promise<void> {
    vi.setSystemTime(Date.now() + resilience.breaker.halfOpenAfterMs + 1);
    const open = (await keys()).filter((key) => key.endsWith(':open'));
    if (open.length > 0) await admin.client.del(...open);
  }

  beforeAll(async () => {
    expect(await admin.health.waitUntilUp(5000)).toBe(true);
    fake = await startFakeOllama();
  });
  beforeEach(() => {
    prefix = randomPrefix('breaker');
    fake.reset();
    // Only the date is under the test's control (timers stay real): time moves when a test says so.
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(instances.splice(0).map((made) => made.connection.close()));
    await deleteByPrefix(admin.client, prefix);
  });
  afterAll(async () => {
    await fake.close();
    await admin.close();
  });

  describe('shared breaker: two instances sharing one Redis', () => {
    it('A trips the breaker; B refuses without calling the provider', async () => {
      const [a, b] = [await instance(), await instance()];
      await trip(a);
      expect(fake.calls).toHaveLength(3);

      fake.reset(); // healthy again, but neither breaker knows yet
      expect(await ask(b)).toBe('breaker_open');
      expect(await ask(b)).toBe('breaker_open');
      expect(fake.calls).toHaveLength(0);
      expect(guardOf(b).counts).toEqual({ successes: 0, failures: 0, refused: 0, rejected: 2 });
      expect(guardOf(b).state).toBe('open');
    });

    it('after the cool-down, a successful trial on B closes the breaker for A too', async () => {
      const [a, b] = [await instance(), await instance()];
      await trip(a);
      expect(await ask(b)).toBe('breaker_open');
      fake.reset();

      await endCoolDown();
      expect(guardOf(b).state).toBe('half_open'); // as last seen, once its cool-down is over
      const trial = await ask(b);
      expect(trial).toMatchObject({ content: 'Hello from the fake', serviceStatus: 'healthy' });
      expect(fake.calls).toHaveLength(1);
      expect(guardOf(b).state).toBe('closed');
      expect(await keys()).toEqual([]);

      expect(await ask(a)).toMatchObject({ content: 'Hello from the fake' });
      expect(fake.calls).toHaveLength(2);
      expect(guardOf(a).state).toBe('closed');
      expect(guardOf(a).counts).toEqual({ successes: 1, failures: 3, refused: 0, rejected: 0 });
    });

    it('a failed trial on B reopens the breaker for A at once', async () => {
      const [a, b] = [await instance(), await instance()];
      await trip(a);
      await endCoolDown();

      fake.reset();
      fake.behave({ fail: { status: 503, times: 1 } });
      expect(await ask(b)).toBe('http');
      expect(fake.calls).toHaveLength(1);
      expect(guardOf(b).state).toBe('open');

      expect(await ask(a)).toBe('breaker_open');
      expect(await ask(b)).toBe('breaker_open');
      expect(fake.calls).toHaveLength(1);
    });

    it('lets one trial through at a time across instances', async () => {
      const [a, b] = [await instance(), await instance()];
      await trip(a);
      await endCoolDown();
      fake.reset();
      // B's trial call waits at the endpoint's door until A has been turned away.
      const link = b.registry.get('ollama');
      const prepare = link.provider.prepare.bind(link.provider);
      let open!: () => void;
      const door = new Promise<void>((resolve) => {
        open = resolve;
      });
      vi.spyOn(link.provider, 'prepare').mockImplementation((request) => {
        const prepared = prepare(request);
        return {
          ...prepared,
          chat: async (signal) => {
            await door;
            return prepared.chat(signal);
          },
        };
      });

      const trial = ask(b);
      await waitFor(async () => (await keys()).find((key) => key.endsWith(':trial')));
      expect(await ask(a)).toBe('breaker_open');
      expect(guardOf(a).state).toBe('half_open');
      expect(fake.calls).toHaveLength(0); // A did not call the endpoint while B held the trial
      open();

      expect(await trial).toMatchObject({ content: 'Hello from the fake' });
      expect(fake.calls).toHaveLength(1);
      expect(await ask(a)).toMatchObject({ content: 'Hello from the fake' });
      expect(fake.calls).toHaveLength(2);
    });

    it("a health check's verdicts on A act for B: forceOpen opens it everywhere, probeAgain lets B's trial close it", async () => {
      const [a, b] = [await instance(), await instance()];
      await guardOf(a).forceOpen();
      expect(guardOf(a).state).toBe('open');
      expect(await ask(b)).toBe('breaker_open');
      expect(fake.calls).toHaveLength(0);
      const [open] = (await keys()).filter((key) => key.endsWith(':open'));
      expect(open).toBeDefined();

      // Found down again: the cool-down starts again from this check.
      await admin.client.pexpire(open!, 1000);
      await guardOf(a).forceOpen();
      expect(await admin.client.pttl(open!)).toBeGreaterThan(1000);

      await guardOf(a).probeAgain();
      expect(guardOf(a).state).toBe('half_open');
      expect((await keys()).filter((key) => key.endsWith(':open'))).toEqual([]);
      const trial = await ask(b);
      expect(trial).toMatchObject({ content: 'Hello from the fake', serviceStatus: 'healthy' });
      expect(guardOf(b).state).toBe('closed');
      expect(await keys()).toEqual([]);
      expect(await ask(a)).toMatchObject({ content: 'Hello from the fake' });
      expect(guardOf(a).state).toBe('closed');
      expect(fake.calls).toHaveLength(2);
    });

    it('probeAgain on B ends a cool-down that A started, though B never saw it open', async () => {
      const [a, b] = [await instance(), await instance()];
      await trip(a);
      fake.reset();
      expect(guardOf(b).state).toBe('closed'); // B has not called since
      await guardOf(b).probeAgain();
      expect(guardOf(b).state).toBe('half_open');
      expect(await ask(b)).toMatchObject({ content: 'Hello from the fake' }); // B's trial
      expect(await keys()).toEqual([]);
      // A's own breaker opened on its own count: A's own check ends its cool-down.
      expect(await ask(a)).toBe('breaker_open');
      await guardOf(a).probeAgain();
      expect(await ask(a)).toMatchObject({ content: 'Hello from the fake' });
      expect(guardOf(a).state).toBe('closed');
    });

    it('counts consecutive failures across instances: a success anywhere starts again', async () => {
      const [a, b] = [await instance(), await instance()];
      fake.behave({ fail: { status: 500, times: 2 } });
      expect(await ask(a)).toBe('http');
      expect(await ask(b)).toBe('http');
      expect(await ask(b)).toMatchObject({ content: 'Hello from the fake' });

      fake.behave({ fail: { status: 500, times: 3 } });
      expect(await ask(b)).toBe('http');
      expect(await ask(a)).toBe('http');
      expect(guardOf(a).state).toBe('closed');
      expect(guardOf(b).state).toBe('closed');
      expect(await ask(b)).toBe('http'); // the third in a row, across both
      expect(await ask(a)).toBe('breaker_open');
      expect(fake.calls).toHaveLength(6);
    });

    it("opens the shared breaker when an instance's own breaker opens on its count", async () => {
      const [a, b] = [await instance(), await instance()];
      fake.behave({ fail: { status: 500, times: 2 } });
      expect(await ask(a)).toBe('http');
      expect(await ask(a)).toBe('http');
      expect(await ask(b)).toMatchObject({ content: 'Hello from the fake' }); // clears the shared count

      fake.behave({ fail: { status: 500, times: 1 } });
      expect(await ask(a)).toBe('http'); // A's third in a row: its own breaker opens
      expect(guardOf(a).state).toBe('open');
      await waitFor(async () => (await keys()).find((key) => key.endsWith(':open')));
      expect((await keys()).filter((key) => key.endsWith(':open'))).toHaveLength(1);

      const calls = fake.calls.length;
      expect(await ask(b)).toBe('breaker_open');
      expect(fake.calls).toHaveLength(calls);
    });

    it('an admin reset on one instance closes the breaker for all', async () => {
      const [a, b] = [await instance(), await instance()];
      await trip(a);
      expect(await ask(b)).toBe('breaker_open');

      await guardOf(a).reset();
      expect(guardOf(a).state).toBe('closed');
      expect(await keys()).toEqual([]);
      fake.reset();
      expect(await ask(b)).toMatchObject({ content: 'Hello from the fake' });
      expect(guardOf(b).state).toBe('closed');
    });

    it('costs one Redis round trip per healthy call', async () => {
      const a = await instance();
      await ask(a); // loads the scripts
      const sent = vi.spyOn(a.connection.client, 'sendCommand');
      for (let i = 0; i < 3; i++) expect(await ask(a)).toMatchObject({ content: 'Hello from the fake' });
      expect(sent).toHaveBeenCalledTimes(3);
    });

    it('keys: under the prefix, a hash of the endpoint, never the URL or the API key; all expire', async () => {
      const a = await instance();
      const own = { baseUrl: fake.url, apiKey: 'sk-very-secret-key-1234' };
      await trip(a); // the service's endpoint
      fake.behave({ fail: { status: 500, times: 1 } });
      expect(await ask(a, own)).toBe('http'); // a community's own key: another breaker

      const found = await keys();
      expect(found).toHaveLength(3); // open + failures of one endpoint, failures of the other
      for (const key of found) {
        expect(key.startsWith(prefix)).toBe(true);
        expect(key.slice(prefix.length)).toMatch(/^\{[0-9a-f]{24}\}:(open|failures)$/);
        expect(key).not.toContain('127.0.0.1');
        expect(key).not.toContain('sk-very');
        const ttl = await admin.client.pttl(key);
        expect(ttl).toBeGreaterThan(0);
      }
      const open = found.filter((key) => key.endsWith(':open'));
      expect(open).toHaveLength(1);
      expect(await admin.client.pttl(open[0]!)).toBeLessThanOrEqual(resilience.breaker.halfOpenAfterMs);
    });
  });

  describe('shared breaker: Redis down', () => {
    it('B on an unreachable Redis answers on its own breaker, fast, logging the outage once', async () => {
      const a = await instance();
      await trip(a); // open in the shared Redis, which B cannot see
      // A wait on Redis would cost B's 10 s op timeout: far above what a call takes on a slow machine.
      const url = `redis://127.0.0.1:${await freePort()}`;
      const b = await instance({ url, wait: false, opTimeoutMs: 10_000 });
      fake.reset();

      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        expect(await ask(b)).toMatchObject({ content: 'Hello from the fake' });
        expect(performance.now() - started).toBeLessThan(5_000);
      }

      fake.behave({ fail: { status: 500 } });
      for (let i = 0; i < 3; i++) expect(await ask(b)).toBe('http');
      expect(guardOf(b).state).toBe('open');
      const calls = fake.calls.length;
      expect(await ask(b)).toBe('breaker_open');
      expect(fake.calls).toHaveLength(calls);

      const warnings = b.logs.filter((line) => line.level === 40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ component: 'breaker' });
    });

    itNeeding(
      ['redis-server'],
      'a hung Redis (SIGSTOP) costs at most the op timeout once per pause, then is used again',
      async () => {
        const opTimeoutMs = 1000;
        const pauseMs = 300;
        const server = await startRedisServer(await freePort());
        try {
          const url = `redis://127.0.0.1:${server.port}`;
          const b = await instance({ url, pauseMs, opTimeoutMs });
          expect(await ask(b)).toMatchObject({ content: 'Hello from the fake' });

          await server.kill('SIGSTOP');
          // The first call waits for the op timeout, and only that long (the outage names it)…
          const started = performance.now();
          expect(await ask(b)).toMatchObject({ content: 'Hello from the fake' });
          expect(performance.now() - started).toBeGreaterThanOrEqual(opTimeoutMs - 10);
          const warnings = b.logs.filter((line) => line.level === 40);
          expect(warnings).toHaveLength(1);
          expect(warnings[0]?.err).toBe(`no answer within ${opTimeoutMs} ms`);
          // …then, for the pause (the date stands still until the test moves it), Redis is left alone.
          const sent = vi.spyOn(b.connection.client, 'sendCommand');
          for (let i = 0; i < 4; i++) expect(await ask(b)).toMatchObject({ content: 'Hello from the fake' });
          expect(sent).not.toHaveBeenCalled();
          expect(b.logs.filter((line) => line.level === 40)).toHaveLength(1);

          await server.kill('SIGCONT');
          expect(await redisAnswers(url, 5000)).toBe(true);
          vi.setSystemTime(Date.now() + pauseMs);
          // Redis answers again and the pause is over: failures are shared once more.
          fake.behave({ fail: { status: 500, times: 1 } });
          expect(await ask(b)).toBe('http');
          expect(b.logs.filter((line) => line.level === 30)).toHaveLength(1);
          const [failures] = (await keys(b.connection.client)).filter((key) => key.endsWith(':failures'));
          expect(await b.connection.client.get(failures!)).toBe('1');
        } finally {
          await server.kill('SIGCONT');
          await server.kill();
        }
      },
    );
  });
});
