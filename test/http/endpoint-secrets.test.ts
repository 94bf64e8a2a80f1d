import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../fakes/fake-openai.js';
import { interactionBody } from '../support/events.js';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';
import { waitFor } from '../support/wait-for.js';

const ADMIN = 'admin-key-secrets-0001';
/** A caller's key: status is theirs to read, the community's credentials are not. */
const CALLER = 'caller-key-secrets-01';
const asCaller = { authorization: `Bearer ${CALLER}` };
const COMMUNITY = 'api:endpoint-secrets';
const PASSWORD = 'pw-userinfo-secret-31';
const QUERY_KEY = 'sk-query-secret-4567';
/** What must never show to a caller, nor on an open route. */
const SECRETS = [`u:${PASSWORD}`, PASSWORD, 'api_key=', QUERY_KEY];

describe('a community base_url with credentials in its userinfo and query', () => {
  const h = useFakeOllamaApp();
  let upstream: FakeServer;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
  });
  afterAll(() => upstream.close());

  /** Starts the app, stores the community's config and runs one interaction through its endpoint. */
  async function configureAndUse(): Promise<string> {
    await h.start({ auth: { apiKeys: [CALLER], adminKey: ADMIN } });
    const port = new URL(upstream.url).port;
    const put = await h.app.inject({
      method: 'PUT',
      url: `/api/v1/communities/${COMMUNITY}/config`,
      headers: { authorization: `Bearer ${ADMIN}` },
      payload: {
        provider: 'openai',
        model: 'gpt-4o-mini',
        base_url: `http://u:${PASSWORD}@127.0.0.1:${port}/v1?api_key=${QUERY_KEY}`,
      },
    });
    expect(put.statusCode).toBe(200);
    const ack = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      headers: asCaller,
      payload: interactionBody({ community_id: COMMUNITY, text: '@chatgate hi' }),
    });
    expect(ack.statusCode).toBe(202);
    const id = ack.json().interaction_id;
    const done = await waitFor(async () => {
      const body = (
        await h.app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${id}`, headers: asCaller })
      ).json();
      return body.status === 'done' ? body : undefined;
    });
    // The link went through the community's endpoint: the query reached the upstream (which, not
    // expecting one, answers 404, so the reply falls back to the local responder).
    expect(done.reply).toMatchObject({ fallback_reason: 'openai: HTTP 404' });
    expect(upstream.calls.at(-1)?.path).toBe(`/v1/chat/completions?api_key=${QUERY_KEY}`);
    return `http://127.0.0.1:${port}/v1`;
  }

  function expectNoSecret(text: string, where: string) {
    for (const secret of SECRETS) expect(text, `${where} shows ${secret}`).not.toContain(secret);
  }

  it('shows only scheme, host and path in /api/v1/ai/status', async () => {
    const shown = await configureAndUse();
    const status = await h.app.inject({ method: 'GET', url: '/api/v1/ai/status', headers: asCaller });
    expect(status.statusCode).toBe(200);
    expectNoSecret(status.body, 'status');
    expect(status.json().providers).toContainEqual(
      expect.objectContaining({ provider: 'openai', endpoint: shown, breaker: 'closed' }),
    );
  });

  it('shows only scheme, host and path in /health/ready', async () => {
    const shown = await configureAndUse();
    const ready = await h.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expectNoSecret(ready.body, 'health/ready');
    expect(ready.json().checks.providers).toMatchObject({ [`openai ${shown}`]: 'closed' });
  });

  it('labels the breaker gauge in /metrics with scheme, host and path only', async () => {
    const shown = await configureAndUse();
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expectNoSecret(metrics.body, 'metrics');
    expect(metrics.body).toContain(`chatgate_breaker_state{provider="openai",endpoint="${shown}"} 0`);
  });
});
