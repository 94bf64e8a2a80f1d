import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/services.js';
import { type FakeServer, startFakeOllama } from '../fakes/fake-ollama.js';
import { testApp, testConfig } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

/** The same flow over a real socket, as a user with curl would see it. */
describe('a listening chatgate', () => {
  let ollama: FakeServer;
  let services: Services;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    ollama.behave({ reply: 'Hi! I am doing well, thanks for asking.' });
    ({ services, app } = await testApp(testConfig({ ai: { ollama: { host: ollama.url } } })));
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    await services.close();
    await ollama.close();
  });

  it('takes the README curl event and serves the model reply', async () => {
    const response = await fetch(`${base}/api/v1/ai/interaction`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        platform: 'api',
        type: 'message',
        community_id: 'api:demo',
        channel_id: 'demo',
        user: { id: 'u1', login: 'viewer' },
        text: 'hello there, how are you?',
      }),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    const ack = (await response.json()) as { interaction_id: string; status: string };
    expect(ack.status).toBe('queued');
    const done = await waitFor(async () => {
      const body = (await (await fetch(`${base}/api/v1/ai/interaction/${ack.interaction_id}`)).json()) as {
        status: string;
        reply: { text: string; provider: string };
      };
      return body.status === 'done' ? body : undefined;
    });
    expect(done.reply).toMatchObject({ text: 'Hi! I am doing well, thanks for asking.', provider: 'ollama' });
  });

  it('serves Prometheus metrics as text', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('chatgate_queue_depth 0');
  });
});
