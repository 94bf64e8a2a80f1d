import type { Redis } from 'ioredis';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { type ChatgateProcess, startChatgate } from '../support/chatgate-process.js';
import { privatePostgres, privateRedis, scaleConfig } from './support.js';

/** What a multi-process test runs chatgate processes against, and the processes it started. */
export interface ScaleBackends {
  ollama: FakeServer;
  receiver: CallbackReceiver;
  /** A client on the test's own Redis (a redis-server of its own). */
  redis: Redis;
  /** The env that points a process at them: redis queue, REDIS_URL, DATABASE_URL, OLLAMA_HOST. */
  env: Record<string, string>;
  /**
   * Starts a chatgate process on `env` plus `extra` (CHATGATE_ROLE …) with `scaleConfig()`;
   * `standalone` leaves Redis and PostgreSQL out (memory queue, embedded stores).
   */
  start(extra?: Record<string, string>, options?: { standalone?: boolean }): Promise<ChatgateProcess>;
  /** Kills the processes still running, stops the Redis, drops the schema, stops the fakes. */
  close(): Promise<void>;
}

/**
 * Starts a fake Ollama, a callback receiver, and a Redis (`privateRedis`) and PostgreSQL schema
 * (`label_…`) of the test's own. Needs `redis-server` and PostgreSQL (see `describeNeeding`).
 */
export async function startScaleBackends(label: string): Promise<ScaleBackends> {
  const ollama = await startFakeOllama();
  const receiver = await startCallbackReceiver();
  const redis = await privateRedis();
  const database = await privatePostgres(label);
  const processes: ChatgateProcess[] = [];
  const env = {
    QUEUE_BACKEND: 'redis',
    REDIS_URL: redis.url,
    DATABASE_URL: database.url,
    OLLAMA_HOST: ollama.url,
    MAX_QUEUE_SIZE: '100000',
    LOG_LEVEL: 'warn',
  };
  return {
    ollama,
    receiver,
    redis: redis.client,
    env,
    async start(extra = {}, options = {}) {
      const base = options.standalone ? { OLLAMA_HOST: ollama.url, LOG_LEVEL: 'warn' } : env;
      const started = await startChatgate({ ...base, ...extra }, scaleConfig());
      processes.push(started);
      return started;
    },
    async close() {
      await Promise.all(processes.map((process) => process.stop('SIGKILL')));
      await redis.stop();
      await database.drop();
      await receiver.close();
      await ollama.close();
    },
  };
}
