import { describe, expect, it, vi } from 'vitest';
import { interactionBody } from '../support/events.js';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';
import { waitFor } from '../support/wait-for.js';

const API_KEY = 'test-api-key-123';
const ADMIN_KEY = 'test-admin-key-456';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('status, admin, auth, health and metrics', () => {
  const h = useFakeOllamaApp();

  async function start(auth: { apiKeys?: string[]; adminKey?: string } = {}) {
    await h.start({
      ai: { breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000, successThreshold: 1 } },
      auth: { apiKeys: auth.apiKeys ?? [], adminKey: auth.adminKey },
    });
  }

  const post = (url: string, payload: object, key?: string) =>
    h.app.inject({ method: 'POST', url, headers: key ? bearer(key) : {}, payload });

  async function finished(id: string) {
    return waitFor(async () => {
      const body = (await h.app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${id}` })).json();
      return body.status === 'done' ? body : undefined;
    });
  }

  const mention = (text = '@chatgate hi') => interactionBody({ text });

  it('requires an API key when keys are configured, and never echoes it', async () => {
    await start({ apiKeys: [API_KEY] });
    const missing = await post('/api/v1/ai/interaction', mention());
    expect(missing.statusCode).toBe(401);
    const wrong = await post('/api/v1/ai/interaction', mention(), 'not-the-key');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('not-the-key');
    const ok = await post('/api/v1/ai/interaction', mention(), API_KEY);
    expect(ok.statusCode).toBe(202);
    // Liveness and metrics stay open for probes and scrapers.
    expect((await h.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).statusCode).toBe(401);
  });

  it('keeps admin routes behind the admin key, not the API keys', async () => {
    await start({ apiKeys: [API_KEY], adminKey: ADMIN_KEY });
    const asUser = await post('/api/v1/ai/admin/mode', { mode: 'local' }, API_KEY);
    expect(asUser.statusCode).toBe(403);
    const asAdmin = await post('/api/v1/ai/admin/mode', { mode: 'local' }, ADMIN_KEY);
    expect(asAdmin.statusCode).toBe(200);
    expect(asAdmin.json()).toEqual({ mode: 'local', previous_mode: 'hybrid' });
    const bad = await post('/api/v1/ai/admin/mode', { mode: 'turbo' }, ADMIN_KEY);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('mode');
  });

  it('switching to local mode makes replies local without calling the model', async () => {
    await start();
    await post('/api/v1/ai/admin/mode', { mode: 'local' });
    const ack = (await post('/api/v1/ai/interaction', mention())).json();
    const done = await finished(ack.interaction_id);
    expect(done.reply).toMatchObject({ mode: 'local', provider: 'local' });
    expect(h.ollama.calls.filter((call) => call.path === '/api/chat')).toHaveLength(0);
  });

  it('shows an opened breaker in status and metrics, and closes it on an admin reset', async () => {
    await start();
    h.ollama.behave({ fail: { status: 500 } });
    const ack = (await post('/api/v1/ai/interaction', mention())).json();
    await finished(ack.interaction_id);
    const status = (await h.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
    expect(status).toMatchObject({
      mode: 'hybrid',
      queue: { backend: 'memory', size: 0, max_size: 1000, concurrency: 10 },
    });
    expect(status.providers).toEqual([
      {
        provider: 'ollama',
        endpoint: h.ollama.url,
        breaker: 'open',
        counts: { successes: 0, failures: 2, refused: 0, rejected: 1 },
        health: null, // the health monitor is not started here
      },
    ]);
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`chatgate_breaker_state{provider="ollama",endpoint="${h.ollama.url}"} 1`);
    expect(metrics).toContain('chatgate_triggers_matched_total{trigger="mention"} 1');
    expect(metrics).toMatch(
      /chatgate_http_requests_total\{route="\/api\/v1\/ai\/interaction",method="POST",status="202"\} 1/,
    );

    const reset = await h.app.inject({ method: 'POST', url: '/api/v1/ai/admin/breakers/ollama/reset' });
    expect(reset.statusCode).toBe(200);
    expect(reset.json().breakers).toEqual([{ endpoint: h.ollama.url, breaker: 'closed' }]);
    const unknown = await h.app.inject({ method: 'POST', url: '/api/v1/ai/admin/breakers/openai/reset' });
    expect(unknown.statusCode).toBe(404);
  });

  it('shows failed jobs in status: how many, and the latest with their reason', async () => {
    await h.start({
      ai: { mode: 'remote', firstByteTimeoutMs: 10_000 },
      queue: { interactionTimeoutMs: 200 },
    });
    const empty = (await h.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
    expect(empty.queue.failed).toEqual({ count: 0, recent: [] });

    // The model never answers: the interaction runs past its time limit and fails in the queue.
    h.ollama.behave({ hang: true });
    const ack = (await post('/api/v1/ai/interaction', mention())).json();
    const status = await waitFor(async () => {
      const body = (await h.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
      return body.queue.failed.count === 1 ? body : undefined;
    });
    expect(status.queue).toMatchObject({ backend: 'memory', size: 0, running: 0 });
    expect(status.queue.failed.recent).toEqual([
      {
        interaction_id: ack.interaction_id,
        event_id: expect.any(String),
        reason: 'interaction timed out after 200 ms',
        failed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        attempts: 1,
      },
    ]);
    expect(Math.abs(Date.parse(status.queue.failed.recent[0].failed_at) - Date.now())).toBeLessThan(5000);
  });

  it('still answers status when the queue backend cannot list its failed jobs', async () => {
    await start();
    vi.spyOn(h.services.queue, 'failures').mockRejectedValue(new Error('ECONNREFUSED redis://:secret@db'));
    const response = await h.app.inject({ method: 'GET', url: '/api/v1/ai/status' });
    expect(response.statusCode).toBe(200);
    expect(response.json().queue).toMatchObject({
      backend: 'memory',
      size: 0,
      failed: { count: null, recent: [], error: expect.any(String) },
    });
    expect(response.body).not.toContain('secret');
  });

  it('reports liveness and readiness', async () => {
    await start();
    expect((await h.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await h.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { queue: 'ok' } });
  });

  it('answers unknown routes with our error body', async () => {
    await start();
    const response = await h.app.inject({
      method: 'GET',
      url: '/api/v1/nothing',
      headers: { 'x-request-id': 'trace-1' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error_code: 'not_found', correlation_id: 'trace-1' });
    expect(Date.parse(response.json().timestamp)).not.toBeNaN();
  });
});
