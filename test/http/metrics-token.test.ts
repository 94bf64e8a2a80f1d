import { describe, expect, it } from 'vitest';
import { useFakeOllamaApp } from '../support/fake-ollama-app.js';

const TOKEN = 'metrics-token-0001';

describe('GET /metrics behind METRICS_TOKEN', () => {
  const h = useFakeOllamaApp();
  const scrape = (authorization?: string) =>
    h.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

  it('asks for METRICS_TOKEN (not an API key) when no token is sent', async () => {
    await h.start({ metricsToken: TOKEN, auth: { apiKeys: ['caller-key-0001'] } });
    const response = await scrape();
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({
      error_code: 'unauthorized',
      detail: 'missing Authorization: Bearer <METRICS_TOKEN>',
    });
    expect(response.json().detail).not.toContain('api key');
  });

  it('calls a wrong token a wrong metrics token, and serves the right one', async () => {
    await h.start({ metricsToken: TOKEN, auth: { apiKeys: ['caller-key-0001'] } });
    const wrong = await scrape('Bearer caller-key-0001');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().detail).toBe('invalid metrics token');
    const right = await scrape(`Bearer ${TOKEN}`);
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('chatgate_');
  });
});
