import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { interactionBody } from '../support/events.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig, testServices } from '../support/services.js';
import { storeBackends } from '../support/store-backends.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN = 'admin-key-perms-0001';
const COLLECTOR = 'collector-key-perms-01';
const as = (key: string) => ({ authorization: `Bearer ${key}` });
/** 10,000 blocked terms: past the bound of 1,000 (shown short in the test's name). */
const TEN_THOUSAND_TERMS = Object.assign(
  Array.from({ length: 10_000 }, (_, i) => `term${i}`),
  { toString: () => '[10,000 terms]' },
);

/**
 * A community's permissions (`min_role`, per-trigger `min_role`, `allow_users`, `block_users`)
 * through the config API and the interaction endpoint, on every store backend: refused events are
 * logged `ignored` with `role` or `blocked_user`, and no provider is called.
 */
for (const backend of storeBackends('safety_permissions')) {
  describeNeeding(backend.needs, `community permissions (${backend.name})`, () => {
    let services: Services;
    let app: FastifyInstance;
    let closeStores: () => Promise<void>;
    let community = 0;

    beforeAll(async () => {
      const config = testConfig({ auth: { apiKeys: [COLLECTOR], adminKey: ADMIN }, ai: { mode: 'local' } });
      const built = await backend.open(config);
      closeStores = built.close;
      services = await testServices(config, { stores: built.stores });
      app = await buildApp(services);
    });
    afterAll(async () => {
      await app?.close();
      await services?.close();
      await closeStores?.();
    });

    /** A fresh community with `config` stored; its id. */
    async function communityWith(config: object): Promise<string> {
      const id = `twitch:channel:perm${++community}`;
      const put = await app.inject({
        method: 'PUT',
        url: `/api/v1/communities/${id}/config`,
        headers: as(ADMIN),
        payload: config,
      });
      expect(put.statusCode, put.body).toBe(200);
      return id;
    }

    /** Posts a mention from `user` in `communityId`; the ack's status and reason. */
    async function mention(communityId: string, user: object, text = '@chatgate what is up?') {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        headers: as(COLLECTOR),
        payload: interactionBody({
          platform: 'twitch',
          community_id: communityId,
          text,
          mentions_bot: true,
          user,
        }),
      });
      expect(response.statusCode, response.body).toBeLessThan(300);
      return response.json() as { status: string; reason?: string; interaction_id: string };
    }

    it('stores the safety sections, returns them as written, and merges them with PATCH', async () => {
      const id = await communityWith({
        permissions: { min_role: 'subscriber', block_users: ['troll'] },
        budgets: { user_daily_tokens: 5000 },
        moderation: {
          blocked_terms: ['spoiler'],
          pii_redaction: false,
          blocked_reply: 'Let us keep it friendly.',
        },
        triggers: { question: { min_role: 'vip' } },
      });
      const patch = await app.inject({
        method: 'PATCH',
        url: `/api/v1/communities/${id}/config`,
        headers: as(ADMIN),
        payload: {
          permissions: { allow_users: ['friend'] },
          budgets: { user_daily_tokens: null, channel_daily_usd: 2.5 },
        },
      });
      expect(patch.statusCode, patch.body).toBe(200);
      expect(patch.json()).toMatchObject({
        permissions: { min_role: 'subscriber', block_users: ['troll'], allow_users: ['friend'] },
        budgets: { user_daily_tokens: null, channel_daily_usd: 2.5 },
        moderation: {
          blocked_terms: ['spoiler'],
          pii_redaction: false,
          blocked_reply: 'Let us keep it friendly.',
        },
        triggers: { question: { min_role: 'vip' } },
      });
      const settings = await services.communities.get(id);
      expect(settings.permissions).toEqual({
        minRole: 'subscriber',
        allowUsers: ['friend'],
        blockUsers: ['troll'],
      });
      // null removes the limit; the default (none) applies.
      expect(settings.budgets).toEqual({ channelDailyUsd: 2.5 });
      expect(settings.moderation).toMatchObject({ blockedTerms: ['spoiler'], piiRedaction: false });
    });

    it.each([
      [{ budgets: { user_daily_tokens: -1 } }, 'budgets.user_daily_tokens'],
      [{ permissions: { min_role: 'king' } }, 'permissions.min_role'],
      [{ triggers: { mention: { min_role: 'root' } } }, 'triggers.mention.min_role'],
      [{ moderation: { blocked_terms: TEN_THOUSAND_TERMS } }, 'moderation.blocked_terms'],
      [{ moderation: { blocked_terms: ['h(a|4)te'] } }, 'moderation.blocked_terms.0'],
      [{ moderation: { blocked_terms: ['.*'] } }, 'moderation.blocked_terms.0'],
      [{ moderation: { moderation_url: 'ftp://example.com' } }, 'moderation.moderation_url'],
      [{ permissions: { owner: 'me' } }, 'permissions.owner'],
      // PostgreSQL's jsonb refuses a lone surrogate (PGlite stores it): refused at the edge, at any depth.
      [{ permissions: { block_users: ['x\ud83d'] } }, 'permissions.block_users.0'],
    ])('refuses %o with a 400 naming %s', async (payload, field) => {
      const response = await app.inject({
        method: 'PUT',
        url: '/api/v1/communities/twitch:channel:bad/config',
        headers: as(ADMIN),
        payload,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().detail).toContain(`${field}:`);
    });

    it('refuses a body nested 30,000 deep with a 400, not a stack overflow', async () => {
      const deep = `{"permissions":{"allow_users":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`;
      const response = await app.inject({
        method: 'PUT',
        url: '/api/v1/communities/twitch:channel:deep/config',
        headers: { ...as(ADMIN), 'content-type': 'application/json' },
        payload: deep,
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().detail).toContain('permissions.allow_users');
    });

    it('ignores users below min_role and on block_users, answers allow_users, and calls no provider for them', async () => {
      const id = await communityWith({
        permissions: { min_role: 'subscriber', allow_users: ['friend'], block_users: ['777', 'Troll'] },
      });
      expect(await mention(id, { id: 'u1', login: 'viewer' })).toMatchObject({
        status: 'ignored',
        reason: 'role',
      });
      expect(await mention(id, { id: 'u2', login: 'sub', roles: ['subscriber'] })).toMatchObject({
        status: 'queued',
      });
      expect(await mention(id, { id: 'u3', login: 'friend' })).toMatchObject({ status: 'queued' });
      // Blocked by id and by login (case ignored), whatever their role.
      expect(await mention(id, { id: '777', login: 'mod', roles: ['moderator'] })).toMatchObject({
        reason: 'blocked_user',
      });
      const troll = await mention(id, { id: 'u5', login: 'troll', roles: ['subscriber'] });
      expect(troll).toMatchObject({ status: 'ignored', reason: 'blocked_user' });
      const logged = await app.inject({
        method: 'GET',
        url: `/api/v1/ai/interaction/${troll.interaction_id}`,
        headers: as(COLLECTOR),
      });
      expect(logged.json()).toMatchObject({ status: 'ignored', reason: 'blocked_user' });
      expect(logged.json().reply ?? null).toBeNull();
    });

    it("applies a trigger's own min_role over the community's", async () => {
      const id = await communityWith({ triggers: { mention: { min_role: 'moderator' } } });
      expect(await mention(id, { id: 'v1', login: 'vip', roles: ['vip'] })).toMatchObject({ reason: 'role' });
      const mod = await mention(id, { id: 'm1', login: 'mod', roles: ['moderator'] });
      expect(mod).toMatchObject({ status: 'queued' });
      // A greeting (no min_role of its own) from the same viewer is still answered.
      const greeting = await app.inject({
        method: 'POST',
        url: '/api/v1/ai/interaction',
        headers: as(COLLECTOR),
        payload: interactionBody({
          platform: 'twitch',
          community_id: id,
          text: 'hello all',
          user: { id: 'v1', login: 'vip', roles: ['vip'] },
        }),
      });
      expect(greeting.json()).toMatchObject({ status: 'queued', trigger: 'greeting' });
      await waitFor(async () => (await services.interactions.get(mod.interaction_id))?.status === 'done');
    });
  });
}

describe('service-wide permissions from the config file', () => {
  it('applies safety.permissions to every community without its own', async () => {
    const config = testConfig({ ai: { mode: 'local' }, safety: { permissions: { minRole: 'vip' } } });
    const services = await testServices(config);
    try {
      const base = { platform: 'api' as const, communityId: 'api:any', channelId: 'c', isDirect: false };
      const event = (roles: ('vip' | 'subscriber')[], id: string) => ({
        ...base,
        id: `api:${id}`,
        type: 'message' as const,
        text: '@chatgate hi',
        mentionsBot: true,
        meta: {},
        receivedAt: Date.now(),
        user: { id, login: id, displayName: id, isBot: false, roles },
      });
      expect(await services.router.ingest(event(['subscriber'], 's1'))).toMatchObject({ reason: 'role' });
      expect(await services.router.ingest(event(['vip'], 'v1'))).toMatchObject({ status: 'queued' });
    } finally {
      await services.close();
    }
  });
});
