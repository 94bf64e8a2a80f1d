import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver.js';
import { describeNeeding } from '../support/requirements.js';
import { waitFor } from '../support/wait-for.js';
import {
  ADMIN,
  as,
  budgetApp,
  budgetConfig,
  COLLECTOR,
  fixedUsage,
  MODEL,
  mention,
  putCommunity,
  REPLY_TOKENS,
  REPLY_USD,
  UsageClock,
} from './support/budget-app.js';
import { budgetBackends, sharedRedis } from './support/budget-backends.js';

const redis = sharedRedis('budgets');
afterAll(() => redis.close());

/**
 * Daily budgets (issue 14) through the public surface, on every store backend: a user, channel or
 * community over its tokens or USD is ignored `budget` and told once that day; the next UTC day
 * (a moved usage clock) answers again; `GET /api/v1/usage` reports the persisted totals each way;
 * the metrics count tokens and budget refusals; the OpenAI routes answer 429 `budget_exceeded`.
 * The upstream reports 30 + 20 tokens a reply (0.07 USD at the test's price).
 */
for (const backend of budgetBackends('safety_budgets', redis)) {
  describeNeeding(backend.needs, `budgets and usage (${backend.name})`, () => {
    let upstream: FakeServer;
    let receiver: CallbackReceiver;
    let services: Services;
    let app: FastifyInstance;
    let closeStores: () => Promise<void>;
    const clock = new UsageClock();
    let sequence = 0;
    /** A fresh community id of this run (the Redis counters outlive a test). */
    const fresh = () => `twitch:channel:budget${Date.now().toString(36)}${++sequence}`;

    beforeAll(async () => {
      upstream = await startFakeOpenAI();
      receiver = await startCallbackReceiver();
      const config = budgetConfig(upstream.url);
      const opened = await backend.open(config);
      closeStores = opened.close;
      ({ services, app } = await budgetApp(config, opened.stores, clock));
    });
    afterAll(async () => {
      await app?.close();
      await services?.close();
      await closeStores?.();
      await receiver?.close();
      await upstream?.close();
    });
    beforeEach(() => fixedUsage(upstream));

    /** The callbacks received for interaction `id`. */
    const callbacksOf = (id: string) => receiver.received.filter((c) => c.body.interaction_id === id);

    it('ignores a user over user_daily_tokens with reason budget, tells them once that day, and answers again the next day', async () => {
      const id = fresh();
      // Reservation: 40 + the text's estimate; two replies (100 tokens) reach the budget.
      await putCommunity(app, id, { max_tokens: 40, budgets: { user_daily_tokens: 2 * REPLY_TOKENS } });
      const to = { communityId: id, user: 'alice', callbackUrl: receiver.url };
      expect((await mention(app, services, to)).status).toBe('queued');
      expect((await mention(app, services, to)).status).toBe('queued');
      const third = await mention(app, services, to);
      expect(third).toMatchObject({ status: 'ignored', reason: 'budget' });
      const notice = await waitFor(() => callbacksOf(third.interaction_id)[0], 5000, 'the budget notice');
      expect(notice.body.response_data.message).toBe("@alice, you've used today's AI budget; back tomorrow.");
      const fourth = await mention(app, services, to);
      expect(fourth).toMatchObject({ status: 'ignored', reason: 'budget' });
      // Someone else still has their own budget; their answer arrives after anything sent for the fourth.
      const bob = await mention(app, services, { ...to, user: 'bob' });
      expect(bob.status).toBe('queued');
      await waitFor(() => callbacksOf(bob.interaction_id)[0], 5000, "bob's answer");
      expect(callbacksOf(third.interaction_id)).toHaveLength(1);
      expect(callbacksOf(fourth.interaction_id)).toHaveLength(0);
      expect((await services.interactions.get(fourth.interaction_id))?.reply).toBeUndefined();
      expect(upstream.calls.filter((c) => c.path.endsWith('/chat/completions'))).toHaveLength(3);

      clock.nextDay();
      try {
        expect((await mention(app, services, to)).status).toBe('queued');
      } finally {
        clock.now -= 86_400_000;
      }
    });

    it('refuses everyone in a channel over channel_daily_tokens, and everyone in a community over community_daily_tokens', async () => {
      const channelBound = fresh();
      await putCommunity(app, channelBound, {
        max_tokens: 40,
        budgets: { channel_daily_tokens: 2 * REPLY_TOKENS },
      });
      const here = { communityId: channelBound, channelId: 'busy', callbackUrl: receiver.url };
      expect((await mention(app, services, { ...here, user: 'a' })).status).toBe('queued');
      expect((await mention(app, services, { ...here, user: 'b' })).status).toBe('queued');
      // The channel's budget is spent: the channel is told once, not once per viewer.
      const refused: string[] = [];
      for (const user of ['c', 'd', 'e']) {
        const ack = await mention(app, services, { ...here, user });
        expect(ack).toMatchObject({ reason: 'budget' });
        refused.push(ack.interaction_id);
      }
      const told = await waitFor(() => callbacksOf(refused[0] as string)[0], 5000, 'the channel notice');
      expect(told.body.response_data.message).toBe("Today's AI budget here is used up; back tomorrow.");
      // A notice is queued when its event is refused: once the queue is idle, none is on its way.
      await waitFor(() => services.queue.size === 0 && services.queue.running === 0, 5000, 'an idle queue');
      expect(refused.slice(1).flatMap((id) => callbacksOf(id))).toEqual([]);
      expect((await mention(app, services, { ...here, channelId: 'quiet', user: 'c' })).status).toBe(
        'queued',
      );

      const communityBound = fresh();
      await putCommunity(app, communityBound, {
        max_tokens: 40,
        budgets: { community_daily_tokens: REPLY_TOKENS },
      });
      expect(
        (await mention(app, services, { communityId: communityBound, channelId: 'one', user: 'a' })).status,
      ).toBe('queued');
      expect(
        await mention(app, services, { communityId: communityBound, channelId: 'two', user: 'b' }),
      ).toMatchObject({
        status: 'ignored',
        reason: 'budget',
      });
    });

    it('gives back the hold of an event refused after the budget check (probability, cooldown …)', async () => {
      const id = fresh();
      // Each admitted mention holds ~43 tokens until it ends; the budget fits two holds.
      await putCommunity(app, id, {
        max_tokens: 40,
        budgets: { user_daily_tokens: 2 * REPLY_TOKENS },
        triggers: { mention: { probability: 0 } },
      });
      for (let i = 0; i < 5; i++) {
        expect(await mention(app, services, { communityId: id, user: 'dave' })).toMatchObject({
          status: 'ignored',
          reason: 'probability',
        });
      }
      await putCommunity(app, id, {
        max_tokens: 40,
        budgets: { user_daily_tokens: 2 * REPLY_TOKENS },
        triggers: { mention: { probability: 1 } },
      });
      expect((await mention(app, services, { communityId: id, user: 'dave' })).status).toBe('queued');
    });

    it('prices replies from safety.prices: a USD budget refuses once spent, and usage reports cost_usd', async () => {
      const id = fresh();
      await putCommunity(app, id, { max_tokens: 40, budgets: { user_daily_usd: 0.1 } });
      expect((await mention(app, services, { communityId: id, user: 'spender' })).status).toBe('queued');
      // 0.07 spent, under 0.1: one more is admitted, and then the budget is spent.
      expect((await mention(app, services, { communityId: id, user: 'spender' })).status).toBe('queued');
      expect(await mention(app, services, { communityId: id, user: 'spender' })).toMatchObject({
        reason: 'budget',
      });
      const response = await app.inject({
        url: `/api/v1/usage?community_id=${encodeURIComponent(id)}&group_by=user`,
        headers: as(ADMIN),
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().rows).toEqual([
        {
          user_id: 'spender',
          requests: 2,
          prompt_tokens: 60,
          completion_tokens: 40,
          total_tokens: 100,
          cost_usd: 2 * REPLY_USD,
        },
      ]);
      expect(await services.usage.usageToday({ communityId: id, channelId: 'main' })).toEqual({
        requests: 2,
        promptTokens: 60,
        completionTokens: 40,
        costUsd: expect.closeTo(2 * REPLY_USD, 9),
      });
    });

    it('reports GET /api/v1/usage by day, user, model and key, and refuses bad ranges naming the field', async () => {
      const id = fresh();
      await putCommunity(app, id, {});
      await mention(app, services, { communityId: id, user: 'u1' });
      await mention(app, services, { communityId: id, user: 'u1' });
      await mention(app, services, { communityId: id, user: 'u2' });
      const today = new Date(clock.now).toISOString().slice(0, 10);
      const get = async (query: string) => {
        const response = await app.inject({
          url: `/api/v1/usage?community_id=${encodeURIComponent(id)}&${query}`,
          headers: as(ADMIN),
        });
        expect(response.statusCode, response.body).toBe(200);
        return response.json().rows;
      };
      const each = { prompt_tokens: 30, completion_tokens: 20, total_tokens: 50, cost_usd: REPLY_USD };
      const times = (n: number) => ({
        requests: n,
        prompt_tokens: 30 * n,
        completion_tokens: 20 * n,
        total_tokens: 50 * n,
        cost_usd: expect.closeTo(n * REPLY_USD, 9),
      });
      expect(await get('group_by=day')).toEqual([{ day: today, ...times(3) }]);
      expect(await get('group_by=user')).toEqual([
        { user_id: 'u1', ...times(2) },
        { user_id: 'u2', requests: 1, ...each },
      ]);
      expect(await get('group_by=model')).toEqual([{ model: MODEL, ...times(3) }]);
      // Chat events come with no client key.
      expect(await get('group_by=key')).toEqual([{ key_id: null, ...times(3) }]);
      expect(await get(`user_id=u2&from=${today}&to=${today}`)).toEqual([
        { day: today, requests: 1, ...each },
      ]);
      // Outside the range: nothing.
      expect(await get('from=2020-01-01&to=2020-01-31')).toEqual([]);

      for (const [query, field] of [
        ['from=2026-02-30', 'from'],
        ['to=yesterday', 'to'],
        ['from=2026-03-02&to=2026-03-01', 'from'],
        ['from=2025-01-01&to=2026-01-02', 'from'],
        ['group_by=hour', 'group_by'],
      ] as const) {
        const response = await app.inject({ url: `/api/v1/usage?${query}`, headers: as(ADMIN) });
        expect(response.statusCode, `${query}: ${response.body}`).toBe(400);
        expect(response.json().detail).toContain(field);
      }
      const anonymous = await app.inject({ url: '/api/v1/usage' });
      expect(anonymous.statusCode).toBe(401);
      const collector = await app.inject({ url: '/api/v1/usage', headers: as(COLLECTOR) });
      expect(collector.statusCode).toBe(403);
    });

    it('counts tokens in chatgate_tokens_total{community,kind} and budget refusals in chatgate_ignored_total{reason}', async () => {
      const id = fresh();
      await putCommunity(app, id, { budgets: { community_daily_tokens: REPLY_TOKENS } });
      await mention(app, services, { communityId: id, user: 'm' });
      await mention(app, services, { communityId: id, user: 'm' });
      const response = await app.inject({ url: '/metrics', headers: as(ADMIN) });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain(`chatgate_tokens_total{community="${id}",kind="prompt"} 30`);
      expect(response.body).toContain(`chatgate_tokens_total{community="${id}",kind="completion"} 20`);
      expect(response.body).toMatch(/chatgate_ignored_total\{reason="budget"\} [1-9]/);
      // The older name counts the same.
      const ignored = (name: string) =>
        Number(response.body.match(new RegExp(`${name}\\{reason="budget"\\} (\\d+)`))?.[1]);
      expect(ignored('chatgate_ignored_total')).toBe(ignored('chatgate_events_ignored_total'));
    });

    it('answers the OpenAI routes 429 budget_exceeded with retry-after to midnight UTC, streams and embeddings included', async () => {
      const id = fresh();
      await putCommunity(app, id, {
        budgets: { community_daily_tokens: REPLY_TOKENS, user_daily_tokens: 1 },
      });
      const post = (url: string, payload: object, user?: string) =>
        app.inject({
          method: 'POST',
          url,
          headers: { ...as(COLLECTOR), 'x-community-id': id },
          payload: { model: 'chatgate/auto', ...payload, ...(user ? { user } : {}) },
        });
      const ask = { messages: [{ role: 'user', content: 'hello' }] };
      // A user's own budget: their first request is admitted and uses 50 tokens, over their 1.
      expect((await post('/v1/chat/completions', ask, 'carol')).statusCode).toBe(200);
      const overUser = await post('/v1/chat/completions', ask, 'carol');
      expect(overUser.statusCode).toBe(429);
      // The community's budget (50) is spent too: every request is refused now, streams included.
      for (const [url, payload] of [
        ['/v1/chat/completions', ask],
        ['/v1/chat/completions', { ...ask, stream: true }],
        ['/v1/responses', { input: 'hello' }],
        ['/v1/embeddings', { input: 'hello' }],
      ] as const) {
        const response = await post(url, payload);
        expect(response.statusCode, `${url}: ${response.body}`).toBe(429);
        expect(response.headers['retry-after']).toBe('43200');
        expect(response.json()).toEqual({
          error: {
            message: expect.stringContaining('budget'),
            type: 'rate_limit_error',
            param: null,
            code: 'budget_exceeded',
          },
        });
      }
    });

    it('counts a streamed answer from its final usage chunk', async () => {
      const id = fresh();
      await putCommunity(app, id, { budgets: { community_daily_tokens: REPLY_TOKENS } });
      const stream = () =>
        app.inject({
          method: 'POST',
          url: '/v1/chat/completions',
          headers: { ...as(COLLECTOR), 'x-community-id': id },
          payload: { model: 'chatgate/auto', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        });
      const first = await stream();
      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('data: [DONE]');
      const second = await stream();
      expect(second.statusCode).toBe(429);
      expect(await services.usage.usageToday({ communityId: id })).toEqual({
        requests: 1,
        promptTokens: 30,
        completionTokens: 20,
        costUsd: expect.closeTo(REPLY_USD, 9),
      });
    });
  });
}
