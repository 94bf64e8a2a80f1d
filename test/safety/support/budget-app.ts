/**
 * What the budget tests share: chatgate on a fake OpenAI upstream that reports a fixed usage
 * (30 prompt + 20 completion tokens a reply), every mention answered (no cooldowns, no reply cap),
 * a price for its model, and a usage clock the test moves (a UTC day without waiting for midnight).
 */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../../src/app.js';
import type { Config } from '../../../src/config/schema.js';
import { createServices, type Services } from '../../../src/services.js';
import type { StoreSet } from '../../../src/stores/store-set.js';
import type { FakeServer } from '../../fakes/fake-openai.js';
import { interactionBody } from '../../support/events.js';
import { testConfig, testServiceOptions } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

export const ADMIN = 'admin-key-budgets-0001';
export const COLLECTOR = 'collector-key-budgets-01';
export const as = (key: string) => ({ authorization: `Bearer ${key}` });
export const MODEL = 'llama3.2';
/** Tokens of every reply of the fake: 30 prompt + 20 completion. */
export const REPLY_TOKENS = 50;
/** USD per million tokens of MODEL: a reply costs (30 × 1000 + 20 × 2000) / 1e6 = 0.07 USD. */
export const PRICE = { prompt: 1000, completion: 2000 };
export const REPLY_USD = 0.07;

/** The config of the budget tests, on the fake upstream at `upstreamUrl`. */
export function budgetConfig(upstreamUrl: string): Config {
  return testConfig({
    auth: { apiKeys: [COLLECTOR], adminKey: ADMIN },
    ai: { provider: 'openai', mode: 'remote', model: MODEL, openai: { baseUrl: `${upstreamUrl}/v1` } },
    safety: { prices: { [MODEL]: PRICE } },
    triggers: { kinds: { mention: { userCooldownMs: 0, channelCooldownMs: 0 } } },
    limits: { channelReplyCap: { max: 1_000_000, windowMs: 60_000 } },
  });
}

/** The fake's fixed usage. */
export function fixedUsage(fake: FakeServer, latencyMs = 0): void {
  fake.behave({ usage: { prompt: 30, completion: 20 }, reply: 'Sure thing.', latencyMs });
}

/** A clock for the usage day, starting at noon UTC. */
export class UsageClock {
  now = Date.parse('2026-12-03T12:00:00Z');
  readonly read = () => this.now;
  nextDay(): void {
    this.now += 86_400_000;
  }
}

/** chatgate on `stores` with `clock` as the usage clock. */
export async function budgetApp(
  config: Config,
  stores: StoreSet,
  clock: UsageClock,
): Promise<{ services: Services; app: FastifyInstance }> {
  const services = await createServices(config, {
    ...testServiceOptions(config, { stores }),
    usageClock: clock.read,
  });
  return { services, app: await buildApp(services) };
}

/** Stores `config` for community `id` (snake_case, as the config API takes it). */
export async function putCommunity(app: FastifyInstance, id: string, config: object): Promise<void> {
  const put = await app.inject({
    method: 'PUT',
    url: `/api/v1/communities/${encodeURIComponent(id)}/config`,
    headers: as(ADMIN),
    payload: config,
  });
  expect(put.statusCode, put.body).toBe(200);
}

/** The ack of an interaction. */
export interface Ack {
  status: string;
  reason?: string;
  interaction_id: string;
}

/**
 * Posts a mention of the bot by `user` in `communityId`/`channelId` and, when it was queued,
 * waits for its interaction to end; the ack.
 */
export async function mention(
  app: FastifyInstance,
  services: Services,
  where: { communityId: string; channelId?: string; user: string; callbackUrl?: string },
): Promise<Ack> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/ai/interaction',
    headers: as(COLLECTOR),
    payload: interactionBody({
      platform: 'twitch',
      community_id: where.communityId,
      channel_id: where.channelId ?? 'main',
      user: { id: where.user, login: where.user },
      text: '@chatgate what is up?',
      mentions_bot: true,
      ...(where.callbackUrl ? { callback_url: where.callbackUrl } : {}),
    }),
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
  const ack = response.json() as Ack;
  if (ack.status === 'queued') await settled(services, ack.interaction_id);
  return ack;
}

/** Waits until interaction `id` has ended (done or failed); its status. */
export async function settled(services: Services, id: string): Promise<string> {
  return waitFor(
    async () => {
      const found = await services.interactions.get(id);
      return found && (found.status === 'done' || found.status === 'failed') ? found.status : undefined;
    },
    10_000,
    `interaction ${id} to end`,
  );
}
