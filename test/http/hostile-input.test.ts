import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { interactionBody } from '../support/events.js';
import { describeNeeding } from '../support/requirements.js';
import { testConfig, testServices } from '../support/services.js';
import { storeBackends } from '../support/store-backends.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN = 'admin-key-hostile-01';
const CALLER = 'caller-key-hostile-01';
const as = (key: string) => ({ authorization: `Bearer ${key}` });

const backends = storeBackends('hostile_http');

for (const backend of backends) {
  describeNeeding(backend.needs, `hostile input never gives a 5xx nor vanishes (${backend.name})`, () => {
    let services: Services;
    let app: FastifyInstance;
    let closeStores: () => Promise<void>;

    beforeAll(async () => {
      const config = testConfig({ auth: { apiKeys: [CALLER], adminKey: ADMIN }, ai: { mode: 'local' } });
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

    const send = (key: string, method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      app.inject({ method, url, headers: as(key), ...(payload ? { payload } : {}) });
    const ingest = (payload: object) =>
      app.inject({ method: 'POST', url: '/api/v1/ai/interaction', headers: as(CALLER), payload });
    const expect400Naming = (response: Awaited<ReturnType<typeof ingest>>, field: string) => {
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json()).toMatchObject({ error_code: 'validation_error' });
      expect(response.json().detail).toContain(field);
    };

    it.each([
      [ADMIN, 'GET', '/api/v1/communities/a%00b/config', 'params.communityId'],
      [ADMIN, 'PUT', '/api/v1/communities/a%00b/config', 'params.communityId'],
      [ADMIN, 'DELETE', '/api/v1/communities/a%00b/config', 'params.communityId'],
      [CALLER, 'GET', '/api/v1/ai/interaction/a%00b', 'params.id'],
      [ADMIN, 'GET', '/api/v1/ai/interactions?community_id=a%00b', 'querystring.community_id'],
      [ADMIN, 'GET', '/api/v1/ai/interactions?platform=a%00b', 'querystring.platform'],
      [ADMIN, 'GET', '/api/v1/sessions/a%00%7Cb%7Cc', 'params.sessionId'],
      [ADMIN, 'GET', '/api/v1/communities?offset=1e309', 'querystring.offset'],
      [ADMIN, 'GET', '/api/v1/communities?limit=1e309', 'querystring.limit'],
      [ADMIN, 'GET', '/api/v1/communities?limit=-1e309', 'querystring.limit'],
      [ADMIN, 'GET', '/api/v1/communities?offset=1e20', 'querystring.offset'],
      [ADMIN, 'GET', `/api/v1/communities?offset=${'9'.repeat(30)}`, 'querystring.offset'],
      [ADMIN, 'GET', '/api/v1/ai/interactions?limit=-1e309', 'querystring.limit'],
      [ADMIN, 'GET', '/api/v1/ai/interactions?limit=1e309', 'querystring.limit'],
    ] as const)('%#: %s %s is a 400 naming %s', async (key, method, url, field) => {
      expect400Naming(await send(key, method, url, method === 'PUT' ? { model: 'm' } : undefined), field);
    });

    it.each([
      ['/api/v1/communities?limit=1e309', 'querystring.limit: must be <= 200'],
      ['/api/v1/communities?offset=1e309', 'querystring.offset: must be <= 2147483647'],
      ['/api/v1/ai/interactions?limit=-1e309', 'querystring.limit: must be >= 1'],
    ])('%s says which bound it broke', async (url, detail) => {
      expect((await send(ADMIN, 'GET', url)).json().detail).toBe(detail);
    });

    it('still takes in-range pages', async () => {
      const page = await send(ADMIN, 'GET', '/api/v1/communities?limit=200&offset=2147483647');
      expect(page.statusCode, page.body).toBe(200);
      expect(page.json()).toMatchObject({ communities: [], limit: 200, offset: 2147483647 });
    });

    it.each([
      ['model', { model: 'llama\u0000' }],
      ['system_prompt', { system_prompt: 'be nice\u0000' }],
      ['system_prompt', { system_prompt: 'be nice \ud800' }],
    ])('a community config PUT with a bad %s is a 400 naming it', async (field, payload) => {
      expect400Naming(await send(ADMIN, 'PUT', '/api/v1/communities/api:hostile/config', payload), field);
      expect((await send(ADMIN, 'GET', '/api/v1/communities/api:hostile/config')).json().stored).toBe(false);
    });

    it.each([
      ['community_id', interactionBody({ community_id: 'api:a\u0000b' })],
      ['community_id', interactionBody({ community_id: 'api:a\udc00b' })],
      ['message_id', interactionBody({ message_id: 'x\ud800y' })],
      ['user.id', interactionBody({ user: { id: 'u\u0000' } })],
      [
        'entity_id',
        {
          session_id: 's-1',
          message_type: 'chatMessage',
          user_id: 'u1',
          entity_id: 'a\u0000b',
          platform: 'api',
        },
      ],
      [
        'session_id',
        {
          session_id: 's\ud800',
          message_type: 'chatMessage',
          user_id: 'u1',
          entity_id: 'ab',
          platform: 'api',
        },
      ],
    ])('an ingested event with a bad %s is a 400 naming it', async (field, payload) => {
      expect400Naming(await ingest(payload), field);
    });

    it.each([
      ['a NUL in a meta key', { 'a\u0000b': 1 }, 'meta'],
      ['a lone surrogate in a meta key', { 'x\ud800y': 'v' }, 'meta'],
    ])('an event with %s is a 400 naming it', async (_what, meta, field) => {
      expect400Naming(await ingest(interactionBody({ meta, text: '!ai hello' })), field);
    });

    /** Waits until the interaction is readable and settled, and returns it. */
    const settled = (id: string) =>
      waitFor(async () => {
        const response = await send(CALLER, 'GET', `/api/v1/ai/interaction/${encodeURIComponent(id)}`);
        if (response.statusCode !== 200) return undefined;
        const body = response.json();
        return ['done', 'failed', 'ignored'].includes(body.status) ? body : undefined;
      });

    /** The event of interaction `id` as the admin list shows it. */
    async function listedEvent(id: string, communityId: string) {
      const listed = await send(
        ADMIN,
        'GET',
        `/api/v1/ai/interactions?community_id=${communityId}&limit=500`,
      );
      return listed.json().interactions.find((item: { interaction_id: string }) => item.interaction_id === id)
        ?.event;
    }

    it('normalizes NUL and lone surrogates in free text, and the accepted event stays readable', async () => {
      const payload = interactionBody({
        text: '!ai hello\u0000 there \ud83d',
        user: { id: 'u-normalized', login: 'vie\u0000wer', display_name: 'V\udc00' },
        meta: { note: 'a\u0000b\ud800', bits: 5 },
      });
      const response = await ingest(payload);
      expect(response.statusCode, response.body).toBe(202);
      const done = await settled(response.json().interaction_id);
      expect(done.status).toBe('done');
      expect(await listedEvent(response.json().interaction_id, 'api:demo')).toMatchObject({
        text: '!ai hello there \ufffd',
        user: { login: 'viewer', display_name: 'V\ufffd' },
        meta: { note: 'ab\ufffd', bits: 5 },
      });
    });

    it('normalizes the router fields message_content and names', async () => {
      const response = await ingest({
        session_id: `s-${Math.random().toString(36).slice(2)}`,
        message_type: 'chatMessage',
        message_content: '!ai hi\u0000 \udfff',
        user_id: 'u-router',
        entity_id: 'api:router',
        platform: 'api',
        username: 'bob\u0000',
      });
      expect(response.statusCode, response.body).toBe(202);
      const done = await settled(response.json().interaction_id);
      expect(done.status).toBe('done');
      expect(await listedEvent(response.json().interaction_id, 'api:router')).toMatchObject({
        text: '!ai hi \ufffd',
        user: { login: 'bob' },
      });
    });
  });
}
