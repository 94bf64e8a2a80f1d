/**
 * `POST /api/v1/communities/:communityId/test` (the console's "Test" button): one line through the
 * community's chain, answered with the reply, who gave it and how long it took; a fallback named;
 * bad input a 400 naming the field; admin only; the tokens counted toward the community's budget.
 */
import { describe, expect, it } from 'vitest';
import { interactionBody } from '../support/events.js';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';

const ADMIN_KEY = 'test-route-admin-1';
const CLIENT_KEY = 'test-route-client-1';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const auth = { auth: { adminKey: ADMIN_KEY, clientKeys: [CLIENT_KEY] } };

describe('POST /api/v1/communities/:communityId/test', () => {
  const harness = useFakeOllamaApp();
  const testLine = (payload: unknown, communityId = 'api:demo', headers: Record<string, string> = admin) =>
    harness.app.inject({
      method: 'POST',
      url: `/api/v1/communities/${communityId}/test`,
      headers,
      payload: payload as object,
    });

  it("answers with the community's provider, model, mode and latency", async () => {
    await harness.start(auth);
    harness.ollama.behave({ reply: 'Testing, testing, one two.' });
    const response = await testLine({ text: 'is this thing on?' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      reply: 'Testing, testing, one two.',
      provider: 'ollama',
      mode: 'remote',
      service_status: 'healthy',
    });
    expect(body.model).toBe(harness.services.config.ai.model);
    expect(body.latency_ms).toBeGreaterThanOrEqual(0);
    expect(body).not.toHaveProperty('fallback_reason');
    // The same prompt as the worker's: a system persona and the fenced line, nothing stored.
    const sent = harness.ollama.calls.at(-1)?.body as { messages: { role: string; content: string }[] };
    expect(sent.messages[0]?.role).toBe('system');
    expect(sent.messages.at(-1)?.content).toContain('is this thing on?');
  });

  it('names the fallback when the model is down and the local responder answers', async () => {
    await harness.start(auth);
    harness.ollama.behave({ fail: { status: 503 } });
    const response = await testLine({ text: 'hello?' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ provider: 'local', mode: 'local', service_status: 'offline' });
    expect(body.fallback_reason).toMatch(/^ollama: /);
    expect(body.reply.length).toBeGreaterThan(0);
  });

  it('uses the personality asked for instead of the community’s', async () => {
    await harness.start(auth);
    const { personalities } = harness.services.config;
    await testLine({ text: 'a story please', personality: 'creative' });
    const sent = harness.ollama.calls.at(-1)?.body as { messages: { role: string; content: string }[] };
    expect(sent.messages[0]?.content).toContain(personalities.creative?.slice(0, 40));
  });

  it('answers bad input with a 400 naming the field, and never calls the model', async () => {
    await harness.start(auth);
    const cases: [unknown, string][] = [
      [{}, 'text'],
      [{ text: '' }, 'text'],
      [{ text: 5 }, 'text'],
      [{ text: 'x'.repeat(4001) }, 'text'],
      [{ text: 'hi', personality: 'pirate' }, 'personality'],
      [{ text: 'hi', temperature: 2 }, 'temperature'],
      [{ text: 'nul \u0000 inside' }, 'text'],
    ];
    for (const [payload, field] of cases) {
      const response = await testLine(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().detail, JSON.stringify(payload)).toContain(field);
    }
    expect(harness.ollama.calls.filter((call) => call.path === '/api/chat')).toHaveLength(0);
  });

  it('is for the admin key: a client key gets 403, no key 401', async () => {
    await harness.start(auth);
    expect(
      (await testLine({ text: 'hi' }, 'api:default', { authorization: `Bearer ${CLIENT_KEY}` })).statusCode,
    ).toBe(403);
    expect((await testLine({ text: 'hi' }, 'api:default', {})).statusCode).toBe(401);
  });

  it("counts its tokens toward the community's budget", async () => {
    await harness.start(auth);
    const patched = await harness.app.inject({
      method: 'PATCH',
      url: '/api/v1/communities/api:demo/config',
      headers: admin,
      payload: { budgets: { community_daily_tokens: 5 } },
    });
    expect(patched.statusCode).toBe(200);
    expect((await testLine({ text: 'spend some tokens for me please' })).statusCode).toBe(200);
    const event = await harness.app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      headers: admin,
      payload: interactionBody({ text: '!ai what now?' }),
    });
    expect(event.json()).toMatchObject({ status: 'ignored', reason: 'budget' });
  });
});
