import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { interactionBody } from '../support/events.js';
import { testApp, testConfig } from '../support/services.js';

const INTEGRATION = 'integration-key-123';
const CLIENT = 'client-key-456';
const ADMIN = 'admin-key-789';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * Issue 19, item 6: keys have scopes. Integration keys (CHATGATE_API_KEYS) may claim any platform,
 * roles and community; client keys (CHATGATE_CLIENT_KEYS) stay on `api`/`web`, lose claimed roles
 * and use only `api:default`; the admin key works on every route.
 */
describe('key scopes', () => {
  let services: Services | undefined;
  let app: FastifyInstance;

  afterEach(async () => {
    await app?.close();
    await services?.close();
    services = undefined;
  });

  async function start(
    auth: { apiKeys: string[]; clientKeys?: string[]; adminKey?: string } = {
      apiKeys: [INTEGRATION],
      clientKeys: [CLIENT],
      adminKey: ADMIN,
    },
  ) {
    const config = testConfig({ ai: { mode: 'local' }, auth });
    ({ services, app } = await testApp(config));
  }

  const post = (key: string | undefined, payload: object) =>
    app.inject({ method: 'POST', url: '/api/v1/ai/interaction', headers: key ? bearer(key) : {}, payload });
  const get = (key: string, url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url, headers: { ...bearer(key), ...headers } });

  const telegramEvent = () =>
    interactionBody({
      platform: 'telegram',
      community_id: 'telegram:chat:-100123',
      channel_id: '-100123',
      text: '@chatgate post this into the chat',
      user: { id: 'u1', login: 'mallory', roles: ['broadcaster'] },
    });
  const ownEvent = (overrides: Record<string, unknown> = {}) =>
    interactionBody({
      community_id: 'api:default',
      text: '@chatgate hi',
      user: { id: `u-${Math.random()}`, login: 'client', roles: ['broadcaster', 'moderator'] },
      ...overrides,
    });
  const routerEvent = (overrides: Record<string, unknown>) => ({
    session_id: `s-${Math.random()}`,
    message_type: 'chatMessage',
    message_content: '@chatgate hi',
    user_id: `u-${Math.random()}`,
    entity_id: 'api:default',
    platform: 'api',
    ...overrides,
  });

  async function storedRoles(interactionId: string) {
    return (await services?.interactions.get(interactionId))?.event.user.roles;
  }

  it('lets an integration key claim any platform, roles and community', async () => {
    await start();
    const response = await post(INTEGRATION, telegramEvent());
    expect(response.statusCode).toBe(202);
    expect(await storedRoles(response.json().interaction_id)).toEqual(['broadcaster']);
  });

  it('refuses a client key an event on a chat platform with 403 naming platform', async () => {
    await start();
    for (const body of [telegramEvent(), routerEvent({ platform: 'twitch', entity_id: 'api:default' })]) {
      const response = await post(CLIENT, body);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ error_code: 'forbidden' });
      expect(response.json().detail).toMatch(/^platform: /);
    }
  });

  it("drops a client key's claimed roles", async () => {
    await start();
    for (const body of [ownEvent(), ownEvent({ platform: 'web' })]) {
      const response = await post(CLIENT, body);
      expect(response.statusCode).toBe(202);
      expect(await storedRoles(response.json().interaction_id)).toEqual([]);
    }
  });

  it('refuses a client key another community, or an event id of another platform, with 403 naming the field', async () => {
    await start();
    const cases: Array<[object, string]> = [
      [ownEvent({ community_id: 'api:demo' }), 'community_id'],
      [routerEvent({ entity_id: 'twitch:channel:1' }), 'entity_id'],
      [ownEvent({ id: 'twitch:12345' }), 'id'],
    ];
    for (const [body, field] of cases) {
      const response = await post(CLIENT, body);
      expect(response.statusCode).toBe(403);
      expect(response.json().detail).toMatch(new RegExp(`^${field}: `));
    }
    expect((await post(CLIENT, ownEvent({ id: 'api:my-own-1' }))).statusCode).toBe(202);
    expect((await post(CLIENT, routerEvent({}))).statusCode).toBe(202);
  });

  it("hides another community's interactions from a client key", async () => {
    await start();
    const theirs = (await post(INTEGRATION, ownEvent({ community_id: 'api:demo' }))).json().interaction_id;
    const mine = (await post(CLIENT, ownEvent())).json().interaction_id;
    expect((await get(CLIENT, `/api/v1/ai/interaction/${theirs}`)).statusCode).toBe(404);
    expect((await get(CLIENT, `/api/v1/ai/interaction/${mine}`)).statusCode).toBe(200);
    expect((await get(INTEGRATION, `/api/v1/ai/interaction/${theirs}`)).statusCode).toBe(200);
  });

  it('refuses a client key X-Community-Id of another community on the OpenAI API (403, OpenAI shape)', async () => {
    await start();
    const other = { 'x-community-id': 'twitch:channel:77' };
    for (const url of ['/v1/models', '/api/v1/ai/models']) {
      const refused = await get(CLIENT, url, other);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({
        error: {
          message: expect.stringContaining('api:default'),
          type: 'invalid_request_error',
          param: 'x-community-id',
          code: 'community_forbidden',
        },
      });
    }
    const completion = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { ...bearer(CLIENT), ...other },
      payload: { model: 'local', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(completion.statusCode).toBe(403);
    expect((await get(CLIENT, '/v1/models')).statusCode).toBe(200);
    expect((await get(CLIENT, '/v1/models', { 'x-community-id': 'api:default' })).statusCode).toBe(200);
    expect((await get(INTEGRATION, '/v1/models', other)).statusCode).toBe(200);
  });

  it('lets the admin key use every route', async () => {
    await start();
    expect((await post(ADMIN, telegramEvent())).statusCode).toBe(202);
    expect((await get(ADMIN, '/api/v1/ai/status')).statusCode).toBe(200);
    expect((await get(ADMIN, '/v1/models', { 'x-community-id': 'twitch:channel:77' })).statusCode).toBe(200);
    expect((await get(ADMIN, '/api/v1/ai/interactions')).statusCode).toBe(200);
    const mode = await app.inject({
      method: 'POST',
      url: '/api/v1/ai/admin/mode',
      headers: bearer(ADMIN),
      payload: { mode: 'local' },
    });
    expect(mode.statusCode).toBe(200);
  });

  it('lets the admin key read /metrics behind METRICS_TOKEN, and no other key', async () => {
    const config = testConfig({
      ai: { mode: 'local' },
      auth: { apiKeys: [INTEGRATION], clientKeys: [CLIENT], adminKey: ADMIN },
      metricsToken: 'metrics-token-1',
    });
    ({ services, app } = await testApp(config));
    expect((await get(ADMIN, '/metrics')).statusCode).toBe(200);
    expect((await get('metrics-token-1', '/metrics')).statusCode).toBe(200);
    expect((await get(INTEGRATION, '/metrics')).statusCode).toBe(401);
    expect((await get(CLIENT, '/metrics')).statusCode).toBe(401);
  });

  it('keeps admin routes from client keys (403)', async () => {
    await start();
    const response = await get(CLIENT, '/api/v1/ai/interactions');
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error_code: 'forbidden' });
  });

  it('closes the API when only client keys are set', async () => {
    await start({ apiKeys: [], clientKeys: [CLIENT] });
    expect((await post(undefined, ownEvent())).statusCode).toBe(401);
    expect((await get('not-a-key-000', '/v1/models')).statusCode).toBe(401);
    expect((await post(CLIENT, ownEvent())).statusCode).toBe(202);
    // No admin key: admin routes stay closed, to client keys too.
    expect((await get(CLIENT, '/api/v1/ai/interactions')).statusCode).toBe(403);
  });

  it('closes the API when only the admin key is set (chatgate then listens on HOST)', async () => {
    await start({ apiKeys: [], adminKey: ADMIN });
    expect((await post(undefined, ownEvent())).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/v1/ai/status' })).statusCode).toBe(401);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/chat/completions',
          payload: { model: 'chatgate/auto', messages: [{ role: 'user', content: 'hi' }] },
        })
      ).statusCode,
    ).toBe(401);
    expect((await post(ADMIN, ownEvent())).statusCode).toBe(202);
    expect((await get(ADMIN, '/v1/models')).statusCode).toBe(200);
  });
});
