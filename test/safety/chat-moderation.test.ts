/**
 * Moderators in chat (`!ai off|on|forget|block|unblock|usage`), the platform's moderation
 * (bans, timeouts, deleted messages) and the loop guard, through the interaction endpoint and
 * `services.platformModeration.apply`: on the in-process stores, and on two instances sharing one
 * Redis and one PostgreSQL (pauses, moderation marks, context and counters in Redis under a key
 * prefix of the run's own; configs and the log in a schema of its own; each instance with its
 * in-process queue), as two processes of a deployment would.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config/schema.js';
import type { PlatformModeration } from '../../src/core/adapter.js';
import { createLogger } from '../../src/observability/logger.js';
import { RedisSafetyState } from '../../src/safety/redis-safety-state.js';
import { RedisUsageCounters } from '../../src/safety/usage/redis-usage-counters.js';
import type { Services } from '../../src/services.js';
import { migrate } from '../../src/stores/postgres/migrate.js';
import { openSqlClient } from '../../src/stores/postgres/sql-client.js';
import { SqlCommunityConfigStore } from '../../src/stores/postgres/sql-community-config-store.js';
import { SqlInteractionLog } from '../../src/stores/postgres/sql-interaction-log.js';
import { createRedisConnection } from '../../src/stores/redis/redis-connection.js';
import { RedisContextStore } from '../../src/stores/redis/redis-context-store.js';
import { RedisKeyStore } from '../../src/stores/redis/redis-key-store.js';
import { memoryStores, type StoreSet } from '../../src/stores/store-set.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { PG_URL } from '../stores/postgres/support.js';
import { deleteByPrefix, randomPrefix } from '../stores/redis/support.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { interactionBody } from '../support/events.js';
import { describeNeeding, type Requirement, TEST_REDIS_URL } from '../support/requirements.js';
import { testConfig, testServices } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN = 'admin-key-chatmod-00001';
const COLLECTOR = 'collector-key-chatmod-01';
const as = (key: string) => ({ authorization: `Bearer ${key}` });

interface Instance {
  services: Services;
  app: FastifyInstance;
  /** Closes what the stores hold open (after `services.close()`). */
  closeStores(): Promise<void>;
}

/** Where the suite runs: `a` and `b` are two instances (the same one on in-process stores). */
interface Setup {
  name: string;
  needs: Requirement[];
  instances: 1 | 2;
  /** The stores of one more instance. */
  stores(config: Config): Promise<{ stores: StoreSet; close(): Promise<void> }>;
  /** Drops what the run left in Redis and PostgreSQL. */
  cleanUp(): Promise<void>;
}

const PREFIX = randomPrefix('chat-moderation');
const SCHEMA = `chatgate_test_chatmod_${process.pid}_${randomUUID().slice(0, 8)}`;

/** Context, keys and the safety state on Redis, configs and the log on PostgreSQL; the rest in memory. */
async function sharedStores(config: Config): Promise<{ stores: StoreSet; close(): Promise<void> }> {
  const sql = await openSqlClient({ databaseUrl: PG_URL, dataDir: 'unused', schema: SCHEMA });
  await migrate(sql);
  const interactions = new SqlInteractionLog(sql, { flushIntervalMs: 5 });
  const redis = createRedisConnection({ url: TEST_REDIS_URL });
  await redis.health.waitUntilUp(2000);
  const stores: StoreSet = {
    ...memoryStores(config),
    context: new RedisContextStore({ client: redis.client, prefix: PREFIX, ...config.context }),
    keys: new RedisKeyStore({ client: redis.client, prefix: PREFIX }),
    safety: new RedisSafetyState(redis.client, { prefix: PREFIX }),
    usageCounters: new RedisUsageCounters({ client: redis.client, prefix: PREFIX }),
    interactions,
    communityConfigs: new SqlCommunityConfigStore(sql, { secretKey: config.stores.secretKey }),
    redis: redis.client,
  };
  return {
    stores,
    async close() {
      await interactions.close();
      await sql.close();
      await redis.close();
    },
  };
}

const SETUPS: Setup[] = [
  {
    name: 'in-process stores',
    needs: [],
    instances: 1,
    stores: async (config) => ({ stores: memoryStores(config), close: async () => {} }),
    cleanUp: async () => {},
  },
  {
    name: 'two instances on one Redis and one PostgreSQL',
    needs: ['redis', 'postgres'],
    instances: 2,
    stores: sharedStores,
    async cleanUp() {
      const redis = createRedisConnection({ url: TEST_REDIS_URL });
      await redis.health.waitUntilUp(2000);
      await deleteByPrefix(redis.client, PREFIX);
      await redis.close();
      const sql = await openSqlClient({ databaseUrl: PG_URL, dataDir: 'unused' });
      await sql.exec(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await sql.close();
    },
  },
];

for (const setup of SETUPS) {
  describeNeeding(setup.needs, `chat moderation (${setup.name})`, () => {
    let ollama: FakeServer;
    let receiver: CallbackReceiver;
    let a: Instance;
    let b: Instance;
    const run = randomUUID().slice(0, 8);
    let sequence = 0;
    let community = '';

    async function instance(): Promise<Instance> {
      const config = testConfig({
        auth: { apiKeys: [COLLECTOR], adminKey: ADMIN },
        ai: { mode: 'remote', offlineResponses: false, ollama: { host: ollama.url } },
        // One job at a time: a second one waits in the queue while the first is held upstream.
        queue: { maxConcurrent: 1 },
        safety: { loopGuard: { maxTurns: 3, windowMs: 60_000 } },
      });
      const { stores, close } = await setup.stores(config);
      const services = await testServices(config, { stores });
      return { services, app: await buildApp(services), closeStores: close };
    }

    async function stop(each: Instance | undefined): Promise<void> {
      await each?.app.close();
      await each?.services.close();
      await each?.closeStores();
    }

    beforeAll(async () => {
      ollama = await startFakeOllama();
      receiver = await startCallbackReceiver();
      a = await instance();
      b = setup.instances === 2 ? await instance() : a;
    });
    afterAll(async () => {
      for (const each of new Set([a, b])) await stop(each);
      await receiver?.close();
      await ollama?.close();
      await setup.cleanUp();
    });
    /** Lets go of the upstream held by a test (see `hold`). */
    let release = () => {};
    /** Holds the upstream: the model answers nothing until `release()`. */
    const hold = () => ollama.behave({ until: new Promise<void>((resolve) => (release = resolve)) });
    afterEach(() => release());

    beforeEach(async () => {
      // The jobs of the test before finish first: with one job at a time, they would hold the queue.
      await waitFor(
        () => [a, b].every((each) => each.services.queue.size === 0 && each.services.queue.running === 0),
        5000,
        'the queues to empty',
      );
      ollama.reset();
      // A community of its own per test (and per run: the Redis is shared with other suites), with
      // no cooldowns, so that each test sees only its own events.
      community = `twitch:channel:cm${run}x${++sequence}`;
      {
        const put = await a.app.inject({
          method: 'PUT',
          url: `/api/v1/communities/${community}/config`,
          headers: as(ADMIN),
          payload: {
            triggers: Object.fromEntries(
              ['mention', 'command', 'question'].map((kind) => [
                kind,
                { user_cooldown_ms: 0, channel_cooldown_ms: 0 },
              ]),
            ),
          },
        });
        expect(put.statusCode, put.body).toBe(200);
      }
    });

    const MOD = { id: 'mod-1', login: 'modname', roles: ['moderator'] };
    const VIEWER = { id: 'viewer-1', login: 'Viewer' };

    /** Posts an event to `on` (platform twitch by default) with a callback; the ack. */
    async function post(
      on: Instance,
      text: string,
      user: object = VIEWER,
      extra: Record<string, unknown> = {},
    ): Promise<{ status: string; reason?: string; trigger?: string; interaction_id: string }> {
      const response = await on.app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        headers: as(COLLECTOR),
        payload: interactionBody({
          platform: 'twitch',
          community_id: community,
          channel_id: 'main',
          text,
          user,
          callback_url: receiver.url,
          message_id: `msg-${randomUUID()}`,
          ...extra,
        }),
      });
      expect(response.statusCode, response.body).toBeLessThan(300);
      return response.json();
    }

    /** The callback sent for an interaction, once it arrives. */
    const callbackOf = (interactionId: string) =>
      waitFor(
        () => receiver.received.find((callback) => callback.body.interaction_id === interactionId),
        5000,
        `the callback of ${interactionId}`,
      );

    /** The interaction as logged by `on`, once `done(status)` holds. */
    async function settled(on: Instance, interactionId: string) {
      return waitFor(async () => {
        const found = await on.services.interactions.get(interactionId);
        return found && !['queued', 'running'].includes(found.status) ? found : undefined;
      });
    }

    async function session(on: Instance, userId: string): Promise<unknown[]> {
      const key = encodeURIComponent(`${community}|main|${userId}`);
      const response = await on.app.inject({
        method: 'GET',
        url: `/api/v1/sessions/${key}`,
        headers: as(ADMIN),
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json().messages;
    }

    /** Whether the model was asked `text` (by any job, of this test or an earlier one). */
    const upstreamAsked = (text: string) =>
      ollama.calls.some((call) => call.path === '/api/chat' && JSON.stringify(call.body).includes(text));

    /** An action as an adapter reports it, in this test's community and channel `main`. */
    type Action = PlatformModeration extends infer T
      ? T extends PlatformModeration
        ? Omit<T, 'communityId' | 'channelId'>
        : never
      : never;
    const moderate = (on: Instance, action: Action) =>
      on.services.platformModeration?.apply({
        communityId: community,
        channelId: 'main',
        ...action,
      } as PlatformModeration);

    it('pauses the channel on `!ai off` from a moderator (everywhere), and resumes it on `!ai on`', async () => {
      const off = await post(a, '!ai off', MOD);
      expect(off).toMatchObject({ status: 'ignored', reason: 'command' });
      expect((await callbackOf(off.interaction_id)).body).toMatchObject({
        success: true,
        response_data: { message: 'AI paused in this channel. !ai on to resume.' },
      });
      expect(await post(b, '@chatgate what is up?')).toMatchObject({ status: 'ignored', reason: 'paused' });
      expect(await post(b, '!ai what is up')).toMatchObject({ status: 'ignored', reason: 'paused' });
      // Another channel of the community is not paused.
      expect(await post(b, '@chatgate hi there?', VIEWER, { channel_id: 'other' })).toMatchObject({
        status: 'queued',
      });
      const on = await post(b, '!AI ON', { id: 'owner', login: 'streamer', roles: ['broadcaster'] });
      expect(on).toMatchObject({ status: 'ignored', reason: 'command' });
      expect((await callbackOf(on.interaction_id)).body.response_data.message).toBe(
        'AI resumed in this channel.',
      );
      expect(await post(a, '@chatgate what is up?')).toMatchObject({ status: 'queued' });
    });

    it('ignores a command from a non-moderator with reason `role`, sends nothing, and changes nothing', async () => {
      const denied = await post(a, '!ai off', { id: 'v2', login: 'vip', roles: ['vip', 'subscriber'] });
      expect(denied).toMatchObject({ status: 'ignored', reason: 'role' });
      const asked = await post(b, '@chatgate still there?');
      expect(asked).toMatchObject({ status: 'queued' });
      await callbackOf(asked.interaction_id);
      expect(
        receiver.received.some((callback) => callback.body.interaction_id === denied.interaction_id),
      ).toBe(false);
      expect((await a.services.interactions.get(denied.interaction_id))?.reply).toBeUndefined();
    });

    it('keeps `!ai <anything else>` the normal command trigger', async () => {
      expect(await post(a, '!ai what is up')).toMatchObject({ status: 'queued', trigger: 'command' });
      expect(await post(a, '!ai dance', MOD)).toMatchObject({ status: 'queued', trigger: 'command' });
      // `on` followed by words is a question to the model, not `!ai on`.
      expect(await post(a, '!ai on what day was the moon landing', MOD)).toMatchObject({
        status: 'queued',
        trigger: 'command',
      });
      // `/ai off` is not a Twitch form.
      expect(await post(a, '/ai off', MOD)).toMatchObject({ status: 'ignored', reason: 'no_trigger' });
    });

    it('accepts `/ai off` and `/ai@botname off` on Telegram and Discord, not another bot’s handle', async () => {
      const telegram = { platform: 'telegram' };
      const other = await post(a, '/ai@otherbot off', MOD, telegram);
      expect(other.reason).not.toBe('command');
      const off = await post(a, '/ai@ChatGate off', MOD, telegram);
      expect(off).toMatchObject({ status: 'ignored', reason: 'command' });
      expect((await callbackOf(off.interaction_id)).body.response_data.message).toBe(
        'AI paused in this channel. /ai on to resume.',
      );
      expect(await post(b, '@chatgate hello?', VIEWER, telegram)).toMatchObject({ reason: 'paused' });
      const on = await post(
        b,
        '/ai on',
        { id: 'admin-1', login: 'owner', roles: ['admin'] },
        { platform: 'discord' },
      );
      expect(on).toMatchObject({ status: 'ignored', reason: 'command' });
      expect(await post(a, '@chatgate hello?', VIEWER, telegram)).toMatchObject({ status: 'queued' });
    });

    it("forgets a user's context in the channel on `!ai forget @user`", async () => {
      const asked = await post(a, '@chatgate remember my name is Bob?');
      expect((await callbackOf(asked.interaction_id)).body.success).toBe(true);
      expect(await session(a, VIEWER.id)).toHaveLength(2);
      // The login's user id is found in the community's recent interactions.
      const forget = await post(a, '!ai forget @viewer', MOD);
      expect(forget).toMatchObject({ status: 'ignored', reason: 'command' });
      expect((await callbackOf(forget.interaction_id)).body.response_data.message).toBe(
        'Forgot my conversation with @viewer in this channel.',
      );
      expect(await session(a, VIEWER.id)).toEqual([]);
      expect(await session(b, VIEWER.id)).toEqual([]);
    });

    it('adds and removes a login in `permissions.block_users` on `!ai block` / `!ai unblock`', async () => {
      const troll = { id: 'troll-1', login: 'troll' };
      const block = await post(a, '!ai block @Troll', MOD);
      expect(block).toMatchObject({ status: 'ignored', reason: 'command' });
      expect((await callbackOf(block.interaction_id)).body.response_data.message).toBe(
        '@Troll is blocked from the AI. !ai unblock @Troll to undo.',
      );
      const config = async () =>
        (
          await a.app.inject({
            method: 'GET',
            url: `/api/v1/communities/${community}/config`,
            headers: as(ADMIN),
          })
        ).json();
      expect((await config()).permissions).toMatchObject({ block_users: ['troll'] });
      // The settings cache was dropped: the next event sees the new list at once.
      expect(await post(a, '@chatgate hi?', troll)).toMatchObject({
        status: 'ignored',
        reason: 'blocked_user',
      });
      const again = await post(a, '!ai block @troll', MOD);
      expect((await callbackOf(again.interaction_id)).body.response_data.message).toBe(
        '@troll was already blocked.',
      );
      const unblock = await post(a, '!ai unblock @troll', MOD);
      expect((await callbackOf(unblock.interaction_id)).body.response_data.message).toBe(
        '@troll is no longer blocked.',
      );
      expect((await config()).permissions).toMatchObject({ block_users: [] });
      expect(await post(a, '@chatgate hi?', troll)).toMatchObject({ status: 'queued' });
    });

    it("answers `!ai usage` with today's requests and tokens in the channel", async () => {
      const asked = await post(a, '@chatgate how many tokens is this?');
      await callbackOf(asked.interaction_id);
      const usage = await post(b, '!ai usage', MOD);
      expect(usage).toMatchObject({ status: 'ignored', reason: 'command' });
      const message: string = (await callbackOf(usage.interaction_id)).body.response_data.message;
      const counted = message.match(/^Today in this channel: (\d[\d,]*) requests?, (\d[\d,]*) tokens \(/);
      expect(counted, message).not.toBeNull();
      // The answer above was counted, on whichever instance ran it.
      expect(Number((counted?.[1] ?? '').replaceAll(',', ''))).toBeGreaterThanOrEqual(1);
      expect(Number((counted?.[2] ?? '').replaceAll(',', ''))).toBeGreaterThan(0);
    });

    it('ignores a timed-out user (`moderated`) until the timeout ends, and forgets their context', async () => {
      const asked = await post(a, '@chatgate remember me?');
      await callbackOf(asked.interaction_id);
      expect(await session(b, VIEWER.id)).toHaveLength(2);
      await moderate(a, { kind: 'timeout', userId: VIEWER.id, durationMs: 600 });
      expect(await session(b, VIEWER.id)).toEqual([]);
      expect(await post(b, '@chatgate can I talk?')).toMatchObject({
        status: 'ignored',
        reason: 'moderated',
      });
      // Others are answered meanwhile.
      expect(await post(b, '@chatgate hi?', { id: 'other-1', login: 'other' })).toMatchObject({
        status: 'queued',
      });
      // Ended: the user's next event is answered (the wait ends on that ack, not on a sleep).
      const back = await waitFor(
        async () => {
          const ack = await post(b, '@chatgate am I back?');
          return ack.status === 'queued' ? ack : undefined;
        },
        5000,
        'the timeout to end',
      );
      expect(back.trigger).toBe('mention');
    });

    it("ends a banned user's waiting and running interactions `ignored` / `moderated`, and ignores them after", async () => {
      hold();
      const banned = { id: 'banned-1', login: 'spammer' };
      // The user's first question runs (held upstream); their second waits in the queue behind it.
      const running = await post(a, '@chatgate first?', banned);
      await waitFor(() => upstreamAsked('first?'));
      const waiting = await post(a, '@chatgate second?', banned);
      expect([running.status, waiting.status]).toEqual(['queued', 'queued']);
      await moderate(b, { kind: 'ban', userId: banned.id, login: 'spammer' });
      release();
      for (const id of [running.interaction_id, waiting.interaction_id]) {
        expect(await settled(a, id)).toMatchObject({ status: 'ignored', reason: 'moderated' });
        expect((await callbackOf(id)).body).toMatchObject({ success: false, error: 'moderated' });
      }
      // The waiting one never reached the model, and the running one's turn was not stored.
      // (Calls are told apart by the speaker: jobs of earlier tests may still be finishing.)
      const asks = ollama.calls.filter((call) => JSON.stringify(call.body).includes('from=\\"spammer\\"'));
      expect(asks).toHaveLength(1);
      expect(await session(a, banned.id)).toEqual([]);
      expect(await post(b, '@chatgate let me in?', banned)).toMatchObject({
        status: 'ignored',
        reason: 'moderated',
      });
    });

    it('does not deliver a reply to a message deleted while it was being answered', async () => {
      hold();
      const asked = await post(a, '@chatgate something rude?', VIEWER, { message_id: 'deleted-1' });
      await waitFor(() => upstreamAsked('something rude?'));
      const kept = await post(
        a,
        '@chatgate something fine?',
        { id: 'v9', login: 'nice' },
        { message_id: 'kept-1' },
      );
      await moderate(b, { kind: 'message_deleted', messageId: 'deleted-1' });
      release();
      expect(await settled(a, asked.interaction_id)).toMatchObject({
        status: 'ignored',
        reason: 'moderated',
      });
      expect((await callbackOf(asked.interaction_id)).body).toMatchObject({
        success: false,
        error: 'moderated',
      });
      expect(await settled(a, kept.interaction_id)).toMatchObject({ status: 'done' });
      // The author may still talk.
      expect(await post(b, '@chatgate sorry?')).toMatchObject({ status: 'queued' });
    });

    if (setup.instances === 2) {
      it('keeps a pause and a ban across a restart', async () => {
        await post(a, '!ai off', MOD);
        await moderate(a, { kind: 'ban', userId: 'banned-2' });
        await stop(a);
        a = await instance();
        expect(await post(a, '!ai usage', { id: 'v3', login: 'v3' })).toMatchObject({ reason: 'role' });
        expect(await post(a, '@chatgate back?')).toMatchObject({ reason: 'paused' });
        await post(a, '!ai on', MOD);
        expect(await post(a, '@chatgate back?', { id: 'banned-2', login: 'b2' })).toMatchObject({
          reason: 'moderated',
        });
        expect(await post(a, '@chatgate back?')).toMatchObject({ status: 'queued' });
      });
    }

    it('stops answering bots that address it after `safety.loopGuard.maxTurns` in the window', async () => {
      const bot = { id: 'bot-7', login: 'otherbot', is_bot: true };
      const acks = [];
      for (const on of [a, b, a, b, a]) {
        acks.push(await post(on, '@chatgate hello fellow bot', bot, { mentions_bot: true }));
      }
      expect(acks.map((ack) => ack.reason ?? ack.status)).toEqual([
        'queued',
        'queued',
        'queued',
        'loop_guard',
        'loop_guard',
      ]);
      // People in the channel are still answered; bots elsewhere are counted apart.
      expect(await post(b, '@chatgate hi?')).toMatchObject({ status: 'queued' });
      expect(
        await post(b, '@chatgate hi bot', bot, { mentions_bot: true, channel_id: 'other' }),
      ).toMatchObject({
        status: 'queued',
      });
    });
  });
}

describe('`!ai usage` with a usage tracker', () => {
  it('reports today’s requests, tokens and cost in the channel', async () => {
    const { ModeratorCommands } = await import('../../src/safety/moderator-commands.js');
    const { ChatModerationState } = await import('../../src/safety/chat-moderation-state.js');
    const { MemorySafetyState } = await import('../../src/safety/safety-state.js');
    const services = await testServices(testConfig({ ai: { mode: 'local' } }));
    try {
      const scopes: object[] = [];
      const commands = new ModeratorCommands({
        state: new ChatModerationState(new MemorySafetyState(), { markMinMs: 1000 }),
        context: services.context,
        interactions: services.interactions,
        communityConfigs: services.communityConfigs,
        botNames: ['chatgate'],
        logger: createLogger('silent'),
        usageToday: async (scope) => {
          scopes.push(scope);
          return { requests: 12, promptTokens: 1200, completionTokens: 2250, costUsd: 0.0123 };
        },
      });
      const settings = await services.communities.get('twitch:channel:9');
      const event = {
        id: 'twitch:u1',
        platform: 'twitch' as const,
        type: 'message' as const,
        communityId: 'twitch:channel:9',
        channelId: 'main',
        text: '!ai usage',
        user: { id: 'm', login: 'm', displayName: 'm', isBot: false, roles: ['moderator' as const] },
        isDirect: false,
        mentionsBot: false,
        meta: {},
        receivedAt: Date.now(),
      };
      expect(await commands.handle(event, settings)).toEqual({
        reason: 'command',
        notice: 'Today in this channel: 12 requests, 3,450 tokens (1,200 prompt, 2,250 completion), $0.0123.',
      });
      expect(scopes).toEqual([{ communityId: 'twitch:channel:9', channelId: 'main' }]);
    } finally {
      await services.close();
    }
  });
});
