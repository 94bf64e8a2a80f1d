import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { FailoverContextStore } from '../../../src/stores/failover/failover-context-store.js';
import { FailoverKeyStore } from '../../../src/stores/failover/failover-key-store.js';
import { MemoryContextStore } from '../../../src/stores/memory/memory-context-store.js';
import { MemoryKeyStore } from '../../../src/stores/memory/memory-key-store.js';
import {
  createRedisConnection,
  type RedisConnection,
  type RedisStatus,
} from '../../../src/stores/redis/redis-connection.js';
import { RedisContextStore } from '../../../src/stores/redis/redis-context-store.js';
import { RedisKeyStore } from '../../../src/stores/redis/redis-key-store.js';
import { describeNeeding } from '../../support/requirements.js';
import { waitFor } from '../../support/wait-for.js';
import { turn, uniqueKey } from '../context-store.contract.js';
import { freePort, type RedisServer, startRedisServer } from './support.js';

/** A password, so the test can check that it never shows in errors or logs. */
const PASSWORD = 'failover-secret-pw';
const CONTEXT = { maxTurns: 5, ttlMs: 60_000, maxConversations: 100 };

/** Resolves with how long `call` took, ms, and its result. */
async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await call();
  return { ms: performance.now() - started, result };
}

describeNeeding(['redis-server'], 'Redis failover (a redis-server of its own, killed and restarted)', () => {
  let port: number;
  let server: RedisServer;
  let connection: RedisConnection;
  let context: FailoverContextStore;
  let keys: FailoverKeyStore;
  const logs: Record<string, unknown>[] = [];
  const changes: RedisStatus[] = [];
  const start = () => startRedisServer(port, ['--requirepass', PASSWORD]);

  beforeAll(async () => {
    port = await freePort();
    server = await start();
    connection = createRedisConnection({
      url: `redis://:${PASSWORD}@127.0.0.1:${port}`,
      maxBackoffMs: 100,
      probeIntervalMs: 100,
    });
    expect(await connection.health.waitUntilUp(5000)).toBe(true);
    connection.health.on('change', (snapshot) => changes.push(snapshot.status));
    const logger = createLogger('info', { write: (line: string) => logs.push(JSON.parse(line)) });
    const { client, health } = connection;
    context = new FailoverContextStore({
      redis: new RedisContextStore({ client, ...CONTEXT }),
      memory: new MemoryContextStore(CONTEXT),
      health,
      logger,
    });
    keys = new FailoverKeyStore({
      redis: new RedisKeyStore({ client }),
      memory: new MemoryKeyStore(),
      health,
      logger,
    });
  });

  afterAll(async () => {
    context?.dispose();
    keys?.dispose();
    await connection?.close();
    await server?.kill('SIGCONT');
    await server?.kill('SIGKILL');
  });

  it('answers from memory while Redis is dead, and goes back to Redis when it returns', async () => {
    const { client, health } = connection;
    const conversation = uniqueKey('failover');

    // Redis up: the stores write to Redis.
    expect(context.backend()).toBe('redis');
    expect(keys.backend()).toBe('redis');
    await context.append(conversation, turn(1));
    expect(await context.get(conversation)).toEqual(turn(1));
    expect(await client.llen(`chatgate:ctx:${conversation}`)).toBe(2);
    expect(await keys.claim('event-1', 60_000)).toBe(true);
    expect(await keys.increment('cap', 60_000)).toBe(1);

    // Killed mid-run: a call sent at that moment is answered at once all the same.
    await server.kill('SIGKILL');
    const atTheKill = await timed(() => context.get(conversation));
    expect(atTheKill.ms).toBeLessThan(500);
    await waitFor(() => health.status === 'down', 2000, 'health down');

    for (let n = 2; n <= 11; n += 1) {
      const append = await timed(() => context.append(conversation, turn(n)));
      expect(append.ms).toBeLessThan(100);
      const claim = await timed(() => keys.claim(`event-${n}`, 60_000));
      expect(claim.result).toBe(true);
      expect(claim.ms).toBeLessThan(100);
    }
    // From memory: it never saw turn 1, and keeps its own cap of 5 turns.
    expect(await context.get(conversation)).toEqual([7, 8, 9, 10, 11].flatMap(turn));
    expect(await keys.claim('event-11', 60_000)).toBe(false);
    expect(await keys.increment('cap', 60_000)).toBe(1);
    expect(context.backend()).toBe('memory');
    expect(keys.backend()).toBe('memory');
    expect(health.status).toBe('down');
    expect(health.lastError).toBeTruthy();

    // Back on the same port (empty: no persistence): reconnected by itself, on Redis again.
    server = await start();
    expect(await health.waitUntilUp(10_000)).toBe(true);
    await waitFor(() => context.backend() === 'redis' && keys.backend() === 'redis', 2000, 'redis again');
    expect(await context.get(conversation)).toEqual([]);
    await context.append(conversation, turn(12));
    expect(await client.lrange(`chatgate:ctx:${conversation}`, 0, -1)).toHaveLength(2);
    expect(await context.get(conversation)).toEqual(turn(12));
    expect(await keys.claim('event-1', 60_000)).toBe(true);
    expect(await keys.increment('cap', 60_000)).toBe(1);
    expect(await keys.increment('cap', 60_000)).toBe(2);

    // One log line per switch and store, never one per call; no password anywhere.
    const switches = logs.filter((line) => typeof line.backend === 'string');
    expect(switches.map((line) => `${String(line.store)}→${String(line.backend)}`).sort()).toEqual([
      'context→memory',
      'context→redis',
      'keys→memory',
      'keys→redis',
    ]);
    expect(changes).toEqual(['down', 'up']);
    expect(JSON.stringify(logs)).not.toContain(PASSWORD);
    expect(JSON.stringify(health.snapshot())).not.toContain(PASSWORD);
    expect(health.snapshot().target).toBe(`redis://127.0.0.1:${port}`);
  }, 30_000);

  it('answers from memory when Redis answers an error, without calling Redis down', async () => {
    const { client, health } = connection;
    const broken = uniqueKey('wrongtype');
    await client.set(`chatgate:ctx:${broken}`, 'not a list');
    logs.length = 0;

    const got = await timed(() => context.get(broken));
    expect(got.result).toEqual([]);
    expect(health.status).toBe('up');
    expect(health.lastError).toMatch(/WRONGTYPE/);
    expect(context.backend()).toBe('memory');
    expect(keys.backend()).toBe('redis');

    // The next call that works puts it back on Redis.
    const fine = uniqueKey('fine');
    await context.append(fine, turn(1));
    expect(await client.llen(`chatgate:ctx:${fine}`)).toBe(2);
    expect(context.backend()).toBe('redis');
    expect(logs.map((line) => `${String(line.store)}→${String(line.backend)}`)).toEqual([
      'context→memory',
      'context→redis',
    ]);
  });

  it('abandons calls to a hung Redis after the call timeout, and probes it back up', async () => {
    const { health } = connection;
    expect(health.status).toBe('up');
    const conversation = uniqueKey('hung');
    await context.append(conversation, turn(1));
    logs.length = 0;

    // SIGSTOP: the connection stays open but nothing answers.
    await server.kill('SIGSTOP');
    const first = await timed(() => context.append(conversation, turn(2)));
    expect(first.ms).toBeGreaterThanOrEqual(150);
    expect(first.ms).toBeLessThan(600);
    expect(health.status).toBe('down');
    expect(health.lastError).toMatch(/took over 200 ms/);
    expect(context.backend()).toBe('memory');
    // Once down, calls skip Redis altogether.
    const next = await timed(() => keys.claim('hung-event', 60_000));
    expect(next.result).toBe(true);
    expect(next.ms).toBeLessThan(100);
    expect(keys.backend()).toBe('memory');

    await server.kill('SIGCONT');
    await waitFor(() => health.status === 'up', 5000, 'the probe to see Redis again');
    await waitFor(() => context.backend() === 'redis' && keys.backend() === 'redis', 2000, 'redis again');
    // The abandoned append may still have landed once Redis resumed: it was already on the wire.
    expect((await context.get(conversation)).slice(0, 2)).toEqual(turn(1));
    expect(logs.filter((line) => line.store === 'context').map((line) => line.backend)).toEqual([
      'memory',
      'redis',
    ]);
  }, 30_000);
});
