/**
 * Issue 14, "Client keys for the gateway": the admin routes `/api/v1/keys` on every store backend,
 * and what a stored key may do: the OpenAI routes and the interaction routes as a client bound to
 * its community, refused once expired or deleted, never on admin routes; the key shown once.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { newClientKey } from '../../src/http/client-keys/key-material.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Services } from '../../src/services.js';
import { interactionBody } from '../support/events.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig, testServices } from '../support/services.js';
import { storeBackends } from '../support/store-backends.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN = 'admin-key-clientkeys-1';
const INTEGRATION = 'integration-key-clientkeys';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const chat = { model: 'chatgate/auto', messages: [{ role: 'user', content: 'hi there' }] };

for (const backend of storeBackends('clientkeys')) {
  describeNeeding(backend.needs, `client keys (${backend.name})`, () => {
    let app: FastifyInstance;
    let services: Services;
    let close: () => Promise<void>;
    const logLines: string[] = [];

    beforeAll(async () => {
      const config = testConfig({ ai: { mode: 'local' }, auth: { apiKeys: [INTEGRATION], adminKey: ADMIN } });
      const stores = await backend.open(config);
      const logger = createLogger('trace', { write: (line: string) => void logLines.push(line) });
      services = await testServices(config, { stores: stores.stores, logger });
      app = await buildApp(services);
      close = async () => {
        await app.close();
        await services.close();
        await stores.close();
      };
      // PGlite starts slowly on a busy machine.
    }, 60_000);
    afterAll(() => close?.());

    const create = (body: unknown, key = ADMIN) =>
      app.inject({ method: 'POST', url: '/api/v1/keys', headers: bearer(key), payload: body as object });
    const admin = (method: 'GET' | 'DELETE', url: string) =>
      app.inject({ method, url, headers: bearer(ADMIN) });
    const complete = (key: string, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { ...bearer(key), ...headers },
        payload: chat,
      });
    const interaction = (key: string, body: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/api/v1/ai/interaction', headers: bearer(key), payload: body });

    it('creates a key shown once, then lists, reads and deletes it without ever showing it again', async () => {
      const created = await create({ name: 'my bot', community_id: 'api:demo', rpm: 30, daily_tokens: 5000 });
      expect(created.statusCode).toBe(201);
      const body = created.json();
      expect(body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        key: expect.stringMatching(/^cg_[0-9A-Za-z]{40}$/),
        name: 'my bot',
        key_prefix: body.key.slice(0, 8),
        community_id: 'api:demo',
        rpm: 30,
        daily_tokens: 5000,
        expires_at: null,
        created_at: expect.any(String),
        last_used_at: null,
      });

      const listed = await admin('GET', '/api/v1/keys');
      expect(listed.statusCode).toBe(200);
      const mine = listed.json().keys.find((k: { id: string }) => k.id === body.id);
      const { key, ...shown } = body;
      expect(mine).toEqual(shown);
      const read = await admin('GET', `/api/v1/keys/${body.id}`);
      expect(read.json()).toEqual(shown);
      for (const answer of [listed, read]) expect(answer.body).not.toContain(key);
      // Not in any log line either (the creation is logged by id and prefix).
      expect(logLines.some((line) => line.includes(body.id))).toBe(true);
      expect(logLines.join('\n')).not.toContain(key);

      expect((await admin('DELETE', `/api/v1/keys/${body.id}`)).statusCode).toBe(204);
      expect((await admin('GET', `/api/v1/keys/${body.id}`)).statusCode).toBe(404);
      expect((await admin('DELETE', `/api/v1/keys/${body.id}`)).statusCode).toBe(404);
      expect((await admin('GET', '/api/v1/keys/not-a-uuid')).statusCode).toBe(404);
    });

    it('pages the list newest first, with the total', async () => {
      // Keys made within one ms have no order between them: these are made a few ms apart.
      for (const name of ['page-1', 'page-2', 'page-3']) {
        const after = Date.now() + 2;
        await waitFor(() => Date.now() > after);
        await create({ name });
      }
      const all = (await admin('GET', '/api/v1/keys?limit=500')).json();
      expect(all.total).toBe(all.keys.length);
      expect(all.keys.slice(0, 3).map((k: { name: string }) => k.name)).toEqual([
        'page-3',
        'page-2',
        'page-1',
      ]);
      const first = (await admin('GET', '/api/v1/keys?limit=2')).json();
      const second = (await admin('GET', '/api/v1/keys?limit=2&offset=2')).json();
      expect(first).toMatchObject({ total: all.total, limit: 2, offset: 0 });
      expect([...first.keys, ...second.keys].map((k: { id: string }) => k.id)).toEqual(
        all.keys.slice(0, 4).map((k: { id: string }) => k.id),
      );
      const bad = await admin('GET', '/api/v1/keys?limit=0');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().detail).toMatch(/^querystring\.limit: /);
    });

    it('refuses bad input with a 400 naming the field', async () => {
      const cases: Array<[unknown, string]> = [
        [{ name: 'x', rpm: -1 }, 'rpm'],
        [{ name: 'x', rpm: 1.5 }, 'rpm'],
        [{ name: 'x', daily_tokens: 0 }, 'daily_tokens'],
        [{ name: 'x', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
        [{ name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
        [{ name: 'x', expires_at: '2099-02-30T00:00:00Z' }, 'expires_at'],
        [{ name: 'x', expires_at: 1893456000000 }, 'expires_at'],
        [{ name: 'n'.repeat(201) }, 'name'],
        [{ name: '' }, 'name'],
        [{}, 'name'],
        [{ name: 'x', scopes: ['all'] }, 'scopes'],
        [{ name: 'x', community_id: 'a\u0000b' }, 'community_id'],
        [[1, 2], 'body'],
      ];
      for (const [body, field] of cases) {
        const answer = await create(body);
        expect(answer.statusCode, JSON.stringify(body)).toBe(400);
        expect(answer.json().detail, JSON.stringify(body)).toMatch(new RegExp(`^${field}: `));
      }
      const later = new Date(Date.now() + 86_400_000).toISOString();
      expect((await create({ name: 'x', expires_at: later, rpm: null })).statusCode).toBe(201);
    });

    it('works as a client key on the OpenAI and interaction routes, bound to its community', async () => {
      const { key } = (await create({ name: 'bound', community_id: 'api:demo' })).json();
      expect((await complete(key)).statusCode).toBe(200);
      expect((await complete(key, { 'x-community-id': 'api:demo' })).statusCode).toBe(200);
      const escaping = await complete(key, { 'x-community-id': 'api:default' });
      expect(escaping.statusCode).toBe(403);
      expect(escaping.json().error).toMatchObject({ param: 'x-community-id', code: 'community_forbidden' });

      const own = await interaction(key, interactionBody({ community_id: 'api:demo', text: '@chatgate hi' }));
      expect(own.statusCode).toBe(202);
      const other = await interaction(
        key,
        interactionBody({ community_id: 'api:default', text: '@chatgate hi' }),
      );
      expect(other.statusCode).toBe(403);
      expect(other.json().detail).toMatch(/^community_id: /);
      const stored = await services.interactions.get(own.json().interaction_id);
      expect(stored?.event.user.roles).toEqual([]);
      const read = await app.inject({
        method: 'GET',
        url: `/api/v1/ai/interaction/${own.json().interaction_id}`,
        headers: bearer(key),
      });
      expect(read.statusCode).toBe(200);

      // Without a community it acts as the static client keys do: api:default only.
      const { key: free } = (await create({ name: 'free' })).json();
      expect((await complete(free)).statusCode).toBe(200);
      expect((await complete(free, { 'x-community-id': 'api:demo' })).statusCode).toBe(403);
      expect((await interaction(free, interactionBody({ community_id: 'api:default' }))).statusCode).not.toBe(
        403,
      );
    });

    it('answers 403 to a stored key on admin routes, and records its last use', async () => {
      const { key, id } = (await create({ name: 'nosy' })).json();
      expect((await create({ name: 'mine' }, key)).statusCode).toBe(403);
      expect(
        (await app.inject({ method: 'GET', url: '/api/v1/keys', headers: bearer(key) })).statusCode,
      ).toBe(403);
      expect(
        (await app.inject({ method: 'GET', url: '/api/v1/communities', headers: bearer(key) })).statusCode,
      ).toBe(403);
      expect((await complete(key)).statusCode).toBe(200);
      await waitFor(async () => (await admin('GET', `/api/v1/keys/${id}`)).json().last_used_at);
    });

    it('refuses a deleted key at once, and an expired one with a message saying so (401)', async () => {
      const { key, id } = (await create({ name: 'short-lived' })).json();
      expect((await complete(key)).statusCode).toBe(200);
      await admin('DELETE', `/api/v1/keys/${id}`);
      const deleted = await complete(key);
      expect(deleted.statusCode).toBe(401);
      expect(deleted.json().error.code).toBe('invalid_api_key');
      expect((await interaction(key, interactionBody({ community_id: 'api:default' }))).statusCode).toBe(401);

      const expiresAt = new Date(Date.now() + 1000).toISOString();
      const expiring = (await create({ name: 'expiring', expires_at: expiresAt })).json();
      expect((await complete(expiring.key)).statusCode).toBe(200);
      const expired = await waitFor(async () => {
        const answer = await complete(expiring.key);
        return answer.statusCode === 401 && answer;
      });
      expect(expired.json().error).toMatchObject({
        code: 'invalid_api_key',
        message: expect.stringMatching(/expired/),
      });
      const own = await interaction(expiring.key, interactionBody({ community_id: 'api:default' }));
      expect(own.statusCode).toBe(401);
      expect(own.json().detail).toMatch(/expired at/);
    });

    it('refuses made-up, mistyped and repeated unknown keys with few database look-ups; static keys still work', async () => {
      const { store } = services.clientKeys;
      const findByHash = store.findByHash.bind(store);
      let lookups = 0;
      let inFlight = 0;
      let mostInFlight = 0;
      store.findByHash = async (hash) => {
        lookups++;
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        try {
          return await findByHash(hash);
        } finally {
          inFlight--;
        }
      };
      const { key } = (await create({ name: 'typo' })).json();
      // A wrong checksum, or no checksum at all: refused without a look-up.
      const typo = `${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`;
      for (const token of [typo, `cg_${'A'.repeat(40)}`])
        expect((await complete(token)).statusCode).toBe(401);
      expect(lookups).toBe(0);
      // A well-formed key nobody issued, 50 times at once: one look-up, then the cached "no".
      const stranger = newClientKey().key;
      const answers = await Promise.all(Array.from({ length: 50 }, () => complete(stranger)));
      expect(answers.every((answer) => answer.statusCode === 401)).toBe(true);
      expect(lookups).toBe(1);
      // A good key: looked up once, then served from the cache.
      for (let i = 0; i < 5; i++) expect((await complete(key)).statusCode).toBe(200);
      expect(lookups).toBe(2);
      // 40 distinct made-up keys with good checksums: each is looked up, at most 8 at a time.
      const strangers = Array.from({ length: 40 }, () => newClientKey().key);
      const flood = await Promise.all(strangers.map((token) => complete(token)));
      expect(flood.every((answer) => answer.statusCode === 401)).toBe(true);
      expect(lookups).toBe(42);
      expect(mostInFlight).toBeLessThanOrEqual(8);
      store.findByHash = findByHash;
      expect((await complete(INTEGRATION)).statusCode).toBe(200);
      expect((await complete(ADMIN)).statusCode).toBe(200);
    });
  });
}

describe('client keys while no key is configured (the API is open)', () => {
  it('still holds a stored key to its community, and refuses a deleted one', async () => {
    const config = testConfig({ ai: { mode: 'local' } });
    const services = await testServices(config);
    const app = await buildApp(services);
    try {
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/keys',
        payload: { name: 'open', community_id: 'api:demo' },
      });
      const { key, id } = created.json();
      const headers = { ...bearer(key), 'x-community-id': 'api:default' };
      const escaping = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers,
        payload: chat,
      });
      expect(escaping.statusCode).toBe(403);
      await app.inject({ method: 'DELETE', url: `/api/v1/keys/${id}` });
      const gone = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: bearer(key),
        payload: chat,
      });
      expect(gone.statusCode).toBe(401);
    } finally {
      await app.close();
      await services.close();
    }
  });
});
