import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { Redis } from 'ioredis';
import { createRedisConnection } from '../../../src/stores/redis/redis-connection.js';
import { waitFor } from '../../support/wait-for.js';

export { TEST_REDIS_URL } from '../../support/requirements.js';

/** True when a Redis answers at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const connection = createRedisConnection({ url, connectTimeoutMs: timeoutMs });
  try {
    return await connection.health.waitUntilUp(timeoutMs);
  } finally {
    await connection.close();
  }
}

/** A key prefix no other run uses, e.g. `chatgate-test:ctx:3f2a...:`. */
export const randomPrefix = (label: string): string => `chatgate-test:${label}:${randomUUID()}:`;

/**
 * Every key under `prefix`, sorted: the whole SCAN, page by page (one page of a shared Redis holds
 * only some of the matches).
 */
export async function keysByPrefix(client: Redis, prefix: string): Promise<string[]> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return [...new Set(found)].sort();
}

/** Deletes every key under `prefix` (SCAN + UNLINK); returns how many it deleted. */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<number> {
  const keys = await keysByPrefix(client, prefix);
  return keys.length > 0 ? client.unlink(...keys) : 0;
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A `redis-server` child process of this test, without persistence. */
export interface RedisServer {
  port: number;
  child: ChildProcess;
  /** Sends `signal` (SIGKILL by default) and, unless it is SIGSTOP/SIGCONT, waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `redis-server --port <port> --save '' --appendonly no` (plus `args`) on loopback and
 * resolves once it accepts connections; throws after 5 s.
 */
export async function startRedisServer(port: number, args: string[] = []): Promise<RedisServer> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const accepting = async (): Promise<boolean> => {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    return accepts(port);
  };
  try {
    await waitFor(accepting, 5000, `redis-server on port ${port}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${port}`, { cause: error });
  }
  return {
    port,
    child,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
