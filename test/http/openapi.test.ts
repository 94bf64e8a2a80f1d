/**
 * The API description (issue 18, "Docs"): `/openapi.json` is valid OpenAPI 3.1 (checked by
 * @seriousme/openapi-schema-validator), lists every route the app serves (the platforms' included)
 * with its request and response schemas and its security, holds no secret, and `/docs` serves the
 * browsable reference from chatgate itself (no CDN). Answers of the main routes match the schemas
 * documented for them, read strictly (an undocumented property fails).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_REGISTRY } from '../../adapters/registry.js';
import { buildApp } from '../../src/app.js';
import { createPlatforms } from '../../src/platforms.js';
import type { Services } from '../../src/services.js';
import { routeTable } from '../fuzz/support/fuzz-target.js';
import { interactionBody } from '../support/events.js';
import { testConfig, testServices } from '../support/services.js';

const SECRETS = {
  api: 'openapi-test-api-key-0001',
  client: 'openapi-test-client-key-01',
  admin: 'openapi-test-admin-key-001',
  metrics: 'openapi-test-metrics-token',
  secretKey: 'openapi-test-secret-key-0123456789',
  telegramToken: '123456:openapi-test-telegram-token',
  telegramSecret: 'openapi-test-webhook-secret',
};

type Operation = {
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: object }> };
  parameters?: { in: string; name: string }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
};
type Document = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, object>; schemas: Record<string, object> };
};

describe('the API description: /openapi.json and /docs', () => {
  let app: FastifyInstance;
  let services: Services;
  let doc: Document;
  const admin = { authorization: `Bearer ${SECRETS.admin}` };

  beforeAll(async () => {
    const config = testConfig({
      auth: { apiKeys: [SECRETS.api], clientKeys: [SECRETS.client], adminKey: SECRETS.admin },
      metricsToken: SECRETS.metrics,
      stores: { secretKey: SECRETS.secretKey },
      ai: { provider: 'local', fallbackProvider: undefined },
      platforms: {
        // Webhook mode, so that its route is mounted; never started (no Bot API is reached).
        telegram: {
          botToken: SECRETS.telegramToken,
          apiRoot: 'http://127.0.0.1:9',
          webhookUrl: 'https://bot.example.com/telegram/webhook',
          webhookSecret: SECRETS.telegramSecret,
        },
      },
    } as Parameters<typeof testConfig>[0]);
    services = await testServices(config);
    const platforms = await createPlatforms(services, PLATFORM_REGISTRY);
    app = await buildApp(services, { platformRoutes: platforms.routes });
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    doc = response.json();
  });
  afterAll(async () => {
    await app?.close();
    await services?.close();
  });

  it('is valid OpenAPI 3.1, with chatgate’s name and version', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'chatgate', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('lists every route the app serves, each with its answers described', () => {
    const served = routeTable(app)
      .filter((route) => !route.startsWith('HEAD '))
      // The reference's and the console's static files are pages, not API: left out of the document.
      .filter((route) => !/ \/(docs|console)(\/|\*|$)/.test(route) && !route.endsWith(' /openapi.json'));
    // The platforms' routes are among them: Twitch's channels and EventSub webhook, Telegram's webhook.
    expect(served).toEqual(
      expect.arrayContaining([
        'POST /api/v1/platforms/twitch/channels/:login',
        'POST /webhooks/twitch/eventsub',
        'POST /telegram/webhook',
      ]),
    );
    expect(served.length).toBeGreaterThan(30);
    const missing: string[] = [];
    const undescribed: string[] = [];
    for (const route of served) {
      const [method = '', url = ''] = route.split(' ');
      const operation = doc.paths[url.replaceAll(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
      if (!operation) {
        missing.push(route);
        continue;
      }
      const statuses = Object.keys(operation.responses);
      const described = statuses.filter(
        (status) => operation.responses[status]?.description !== 'Default Response',
      );
      // A success, and the 401 of a route behind a key (one that may be called without any: `{}`).
      const keyed =
        (operation.security ?? []).length > 0 && !operation.security?.some((s) => !Object.keys(s).length);
      if (!described.some((s) => s.startsWith('2')) || (keyed && !described.includes('401'))) {
        undescribed.push(`${route} (${statuses.join(', ')})`);
      }
      for (const status of statuses) {
        for (const [type, media] of Object.entries(operation.responses[status]?.content ?? {})) {
          if (!media.schema) undescribed.push(`${route} ${status} ${type}: no schema`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(undescribed).toEqual([]);
    // Nothing hidden is listed: the reference and the document themselves are not API routes.
    expect(
      Object.keys(doc.paths).filter((path) => path.startsWith('/docs') || path === '/openapi.json'),
    ).toEqual([]);
  });

  it('describes request bodies, path and query parameters', () => {
    const op = (path: string, method: string) => doc.paths[path]?.[method] as Operation;
    const chat = op('/v1/chat/completions', 'post');
    // Named shapes are written once, under components.schemas, and referenced.
    expect(chat.requestBody?.content['application/json']?.schema).toMatchObject({
      $ref: '#/components/schemas/ChatCompletionRequest',
    });
    expect(doc.components.schemas.ChatCompletionRequest).toMatchObject({
      required: expect.arrayContaining(['model', 'messages']),
    });
    expect(chat.responses['401']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/OpenAIError',
      description: expect.any(String),
    });
    expect(doc.components.schemas.ChatgateError).toMatchObject({
      required: ['detail', 'error_code', 'timestamp', 'correlation_id'],
    });
    expect(Object.keys(chat.responses['200']?.content ?? {}).sort()).toEqual([
      'application/json',
      'text/event-stream',
    ]);
    expect(op('/api/v1/ai/interaction', 'post').requestBody).toBeDefined();
    expect(op('/api/v1/keys', 'post').requestBody).toBeDefined();
    expect(op('/api/v1/communities/{communityId}/config', 'put').requestBody).toBeDefined();
    expect(op('/api/v1/keys', 'get').parameters?.map((p) => `${p.in} ${p.name}`)).toEqual([
      'query limit',
      'query offset',
    ]);
    expect(op('/api/v1/sessions/{sessionId}', 'get').parameters?.map((p) => `${p.in} ${p.name}`)).toEqual([
      'path sessionId',
    ]);
  });

  it('names the key each route needs: caller, admin, or none', () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      'adminKey',
      'callerKey',
      'metricsToken',
    ]);
    const security = (path: string, method: string) => doc.paths[path]?.[method]?.security;
    expect(security('/api/v1/ai/interaction', 'post')).toEqual([{ callerKey: [] }, { adminKey: [] }]);
    expect(security('/v1/chat/completions', 'post')).toEqual([{ callerKey: [] }, { adminKey: [] }]);
    expect(security('/api/v1/communities', 'get')).toEqual([{ adminKey: [] }]);
    expect(security('/api/v1/platforms/twitch/channels/{login}', 'post')).toEqual([{ adminKey: [] }]);
    expect(security('/health', 'get')).toEqual([]);
    expect(security('/telegram/webhook', 'post')).toEqual([]);
  });

  it('holds no secret: no key, token or webhook secret of the config', async () => {
    const text = (await app.inject({ method: 'GET', url: '/openapi.json' })).body;
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    // The bot token's secret half, in case only a part of it leaked.
    expect(text).not.toContain('openapi-test-telegram-token');
  });

  it('serves the reference at /docs as HTML, with its assets from chatgate itself', async () => {
    let page = await app.inject({ method: 'GET', url: '/docs' });
    if (page.statusCode === 302)
      page = await app.inject({ method: 'GET', url: String(page.headers.location) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // No asset from another host: the page works offline.
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    const scripts = [...page.body.matchAll(/src="([^"]+\.js)"/g)].map((match) => match[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const url = script.startsWith('/') ? script : `/docs/${script.replace(/^\.\//, '')}`;
      const asset = await app.inject({ method: 'GET', url });
      expect(asset.statusCode, url).toBe(200);
    }
    // It reads the same document.
    const json = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.json()).toEqual(doc);
  });

  describe('answers match their documented schemas', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);

    /** `schema` with `additionalProperties: false` wherever it lists properties and says nothing. */
    function strict(schema: unknown): unknown {
      if (Array.isArray(schema)) return schema.map(strict);
      if (typeof schema !== 'object' || schema === null) return schema;
      const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, strict(value)]));
      if ('properties' in copy && !('additionalProperties' in copy)) copy.additionalProperties = false;
      return copy;
    }

    function expectDocumented(path: string, method: string, response: LightMyRequestResponse) {
      const described = doc.paths[path]?.[method]?.responses[String(response.statusCode)];
      expect(described, `${method} ${path} ${response.statusCode} is documented`).toBeDefined();
      const schema = described?.content?.['application/json']?.schema;
      if (!schema) {
        expect(response.body).toBe('');
        return;
      }
      // The named shapes are under components.schemas: given to Ajv as `$defs` of the schema.
      const refs = JSON.stringify(schema).replaceAll('#/components/schemas/', '#/$defs/');
      const defs = JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/');
      const validate = ajv.compile(strict({ ...JSON.parse(refs), $defs: JSON.parse(defs) }) as object);
      const body = response.json();
      expect(validate(body) ? [] : validate.errors, `${method} ${path} ${response.statusCode}`).toEqual([]);
    }

    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });

    it('probes, status, models and the interaction round trip', async () => {
      expectDocumented('/health', 'get', await call('GET', '/health'));
      expectDocumented('/health/ready', 'get', await call('GET', '/health/ready'));
      expectDocumented('/metrics', 'get', await app.inject({ method: 'GET', url: '/metrics' }));
      expectDocumented('/api/v1/ai/status', 'get', await call('GET', '/api/v1/ai/status'));
      expectDocumented('/v1/models', 'get', await call('GET', '/v1/models'));
      const posted = await call('POST', '/api/v1/ai/interaction', interactionBody({ text: '@chatgate hi' }));
      expectDocumented('/api/v1/ai/interaction', 'post', posted);
      const id = posted.json().interaction_id as string;
      expectDocumented(
        '/api/v1/ai/interaction/{id}',
        'get',
        await call('GET', `/api/v1/ai/interaction/${id}`),
      );
      expectDocumented('/api/v1/ai/interactions', 'get', await call('GET', '/api/v1/ai/interactions'));
      expectDocumented(
        '/api/v1/ai/interaction',
        'post',
        await call('POST', '/api/v1/ai/interaction', { text: 1 }),
      );
      expectDocumented(
        '/api/v1/ai/interaction/{id}',
        'get',
        await call('GET', '/api/v1/ai/interaction/nope'),
      );
    });

    it('the OpenAI-compatible routes, and their errors', async () => {
      const chat = { model: 'local', messages: [{ role: 'user', content: 'hello' }] };
      expectDocumented('/v1/chat/completions', 'post', await call('POST', '/v1/chat/completions', chat));
      expectDocumented(
        '/v1/responses',
        'post',
        await call('POST', '/v1/responses', { model: 'local', input: 'hi' }),
      );
      expectDocumented(
        '/v1/chat/completions',
        'post',
        await call('POST', '/v1/chat/completions', { model: 1 }),
      );
      const unauthorized = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chat });
      expectDocumented('/v1/chat/completions', 'post', unauthorized);
    });

    it('the admin routes: communities, keys, sessions, usage, mode, channels', async () => {
      const community = '/api/v1/communities/{communityId}/config';
      expectDocumented(
        community,
        'put',
        await call('PUT', '/api/v1/communities/api:docs/config', { model: 'm' }),
      );
      expectDocumented(community, 'get', await call('GET', '/api/v1/communities/api:docs/config'));
      expectDocumented(
        community,
        'put',
        await call('PUT', '/api/v1/communities/api:docs/config', { nope: 1 }),
      );
      expectDocumented('/api/v1/communities', 'get', await call('GET', '/api/v1/communities'));
      expectDocumented(community, 'delete', await call('DELETE', '/api/v1/communities/api:docs/config'));
      const created = await call('POST', '/api/v1/keys', { name: 'docs', rpm: 5 });
      expectDocumented('/api/v1/keys', 'post', created);
      expectDocumented('/api/v1/keys', 'get', await call('GET', '/api/v1/keys'));
      const keyId = created.json().id as string;
      expectDocumented('/api/v1/keys/{id}', 'get', await call('GET', `/api/v1/keys/${keyId}`));
      expectDocumented('/api/v1/keys/{id}', 'delete', await call('DELETE', `/api/v1/keys/${keyId}`));
      const session = '/api/v1/sessions/api:docs%7Cc%7Cu';
      expectDocumented('/api/v1/sessions/{sessionId}', 'get', await call('GET', session));
      expectDocumented('/api/v1/sessions/{sessionId}', 'delete', await call('DELETE', session));
      expectDocumented('/api/v1/usage', 'get', await call('GET', '/api/v1/usage?group_by=model'));
      expectDocumented(
        '/api/v1/ai/admin/mode',
        'post',
        await call('POST', '/api/v1/ai/admin/mode', { mode: 'local' }),
      );
      const channels = '/api/v1/platforms/twitch/channels/{login}';
      expectDocumented(channels, 'post', await call('POST', '/api/v1/platforms/twitch/channels/somebody'));
    });
  });
});

describe('a worker (probes only)', () => {
  it('describes no API: no /openapi.json, no /docs', async () => {
    const services = await testServices(testConfig());
    const app = await buildApp(services, { probesOnly: true });
    try {
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(404);
    } finally {
      await app.close();
      await services.close();
    }
  });
});
