/**
 * The human-grace store and key store each test runs on: in process, and on Redis (a key prefix of
 * the test's own, deleted after it). Two "instances" on Redis are two stores on one prefix.
 */
import { Redis } from 'ioredis';
import type { HumanGraceStore } from '../../../src/router/human-grace/grace-store.js';
import { MemoryHumanGraceStore } from '../../../src/router/human-grace/grace-store.js';
import { RedisHumanGraceStore } from '../../../src/router/human-grace/redis-grace-store.js';
import type { KeyStore } from '../../../src/stores/key-store.js';
import { MemoryKeyStore } from '../../../src/stores/memory/memory-key-store.js';
import { RedisKeyStore } from '../../../src/stores/redis/redis-key-store.js';
import { deleteByPrefix, randomPrefix, TEST_REDIS_URL } from '../../stores/redis/support.js';
import type { Requirement } from '../../support/requirements.js';

/** What one instance uses: its grace store and key store. */
export interface GraceInstance {
  store: HumanGraceStore;
  keys: KeyStore;
}

export interface GraceBackend {
  name: string;
  needs: Requirement[];
  /** Two instances that share their state (the same objects in memory, one Redis prefix). */
  open(): Promise<{ instances: [GraceInstance, GraceInstance]; close(): Promise<void> }>;
}

export const GRACE_BACKENDS: GraceBackend[] = [
  {
    name: 'memory',
    needs: [],
    async open() {
      const shared = { store: new MemoryHumanGraceStore(), keys: new MemoryKeyStore() };
      return { instances: [shared, shared], close: async () => {} };
    },
  },
  {
    name: 'redis',
    needs: ['redis'],
    async open() {
      const prefix = randomPrefix('grace');
      const clients = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)] as const;
      const instance = (client: Redis): GraceInstance => ({
        store: new RedisHumanGraceStore(client, { prefix }),
        keys: new RedisKeyStore({ client, prefix }),
      });
      const [first, second] = [instance(clients[0]), instance(clients[1])];
      return {
        instances: [first, second],
        async close() {
          await deleteByPrefix(clients[0], prefix);
          await Promise.all(clients.map((client) => client.quit()));
        },
      };
    },
  },
];
