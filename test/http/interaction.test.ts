import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { interactionBody } from '../support/events.js';
import { type FakeOllamaApp, useFakeOllamaApp } from '../support/fake-ollama-app.js';
import { waitFor } from '../support/wait-for.js';

/** The interaction endpoint end to end through `app.inject`: event in, ack, reply from the model. */
describe('POST /api/v1/ai/interaction', () => {
  const h = useFakeOllamaApp();
  const start = (overrides: Parameters<FakeOllamaApp['start']>[0] = {}) => h.start(overrides);
  const post = (payload: object) => h.app.inject({ method: 'POST', url: '/api/v1/ai/interaction', payload });

  async function finished(id: string) {
    return waitFor(async () => {
      const response = await h.app.inject({ method: 'GET', url: `/api/v1/ai/interaction/${id}` });
      const body = response.json();
      return ['done', 'failed', 'ignored'].includes(body.status) ? body : undefined;
    });
  }

  it('acks with 202 at once and the interaction reaches done with the model reply', async () => {
    await start();
    h.ollama.behave({ reply: '<think>they greet me</think>Hey viewer, doing great!' });
    const response = await post(interactionBody());
    expect(response.statusCode).toBe(202);
    const ack = response.json();
    expect(ack).toMatchObject({ status: 'queued', trigger: 'greeting' });
    const done = await finished(ack.interaction_id);
    expect(done).toMatchObject({
      interaction_id: ack.interaction_id,
      status: 'done',
      trigger: 'greeting',
      reply: {
        text: 'Hey viewer, doing great!',
        mode: 'remote',
        provider: 'ollama',
        model: 'llama3.2',
        service_status: 'healthy',
        fallback_reason: null,
      },
    });
    expect(done.reply.processing_time_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(done.completed_at)).toBeGreaterThanOrEqual(Date.parse(done.created_at));
    // The prompt reached the model with the user text fenced and stream:false.
    const chat = h.ollama.calls.find((call) => call.path === '/api/chat');
    const body = chat?.body as { stream: boolean; messages: { role: string; content: string }[] };
    expect(body.stream).toBe(false);
    expect(body.messages.at(-1)?.content).toContain(
      '<chat_message from="viewer">hello there, how are you?</chat_message>',
    );
    // The prompt's size as the model got it, and its tokens as the model counted them.
    expect(done.reply.prompt).toEqual({
      messages: body.messages.length,
      chars: body.messages.reduce((sum, message) => sum + message.content.length, 0),
      tokens: expect.any(Number),
    });
    expect(done.reply.prompt.tokens).toBeGreaterThan(0);
  });

  it('falls back to the local responder when Ollama is down, and says why', async () => {
    await start();
    await h.ollama.down();
    try {
      const ack = (await post(interactionBody())).json();
      const done = await finished(ack.interaction_id);
      expect(done.reply).toMatchObject({ mode: 'local', provider: 'local', service_status: 'offline' });
      expect(done.reply.fallback_reason).toContain('ollama: connection');
      expect(done.reply.text).toMatch(/local|offline/i);
      // The prompt was built and sized, though no model read it.
      expect(done.reply.prompt.messages).toBeGreaterThan(1);
      expect(done.reply.prompt.chars).toBeGreaterThan(0);
    } finally {
      await h.ollama.up();
    }
  });

  it('keeps the conversation: the second turn carries the first one as context', async () => {
    await start({ triggers: { kinds: { mention: { userCooldownMs: 0 } } } } as Parameters<typeof start>[0]);
    h.ollama.behave({ reply: (body) => `reply #${(body as { messages: unknown[] }).messages.length}` });
    const user = { id: 'u-context', login: 'viewer' };
    const first = (await post(interactionBody({ user, text: '@chatgate one' }))).json();
    await finished(first.interaction_id);
    const second = (await post(interactionBody({ user, text: '@chatgate two' }))).json();
    const done = await finished(second.interaction_id);
    // system + (user, assistant) of the first turn + this user turn.
    expect(done.reply.text).toBe('reply #4');
  });

  it('answers 200 ignored with the reason when nothing triggers', async () => {
    await start();
    const response = await post(interactionBody({ text: 'this is fine' }));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'ignored', reason: 'no_trigger' });
  });

  it('answers 503 with retry_after when the queue is full', async () => {
    await start({ queue: { maxConcurrent: 1, maxSize: 1 } });
    h.ollama.behave({ latencyMs: 500 });
    const mention = () => post(interactionBody({ text: '@chatgate hi' }));
    expect((await mention()).statusCode).toBe(202);
    expect((await mention()).statusCode).toBe(202);
    const full = await mention();
    expect(full.statusCode).toBe(503);
    expect(full.json()).toMatchObject({ error_code: 'queue_full' });
    expect(full.json().retry_after).toBeGreaterThanOrEqual(1);
    expect(full.headers['retry-after']).toBe(String(full.json().retry_after));
    expect(full.json().correlation_id).toBe(full.headers['x-request-id']);
  });

  it.each([
    ['user.id', { user: { login: 'x' } }],
    ['platform', { platform: 'myspace' }],
    ['community_id', { community_id: undefined }],
    ['text', { text: 'x'.repeat(10_001) }],
    ['callback_url', { callback_url: 'ftp://example.org/x' }],
    ['type', { type: 'party' }],
  ])('answers 400 naming the field %s', async (field, change) => {
    await start();
    const response = await post(interactionBody(change));
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error_code).toBe('validation_error');
    expect(body.detail.startsWith(`${field}:`)).toBe(true);
  });

  it('answers 400 for a body that is not JSON, and 404 for an unknown interaction', async () => {
    await start();
    const broken = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ai/interaction',
      headers: { 'content-type': 'application/json' },
      payload: '{"platform":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toHaveProperty('correlation_id');
    const unknown = await h.app.inject({ method: 'GET', url: '/api/v1/ai/interaction/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error_code).toBe('not_found');
  });

  it("takes WaddleBot's router fields and POSTs the reply to the callback URL", async () => {
    const received: unknown[] = [];
    const receiver = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push(JSON.parse(body));
        // The first delivery fails: the sender must retry.
        response.statusCode = received.length === 1 ? 503 : 200;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/responses`;
    try {
      await start();
      h.ollama.behave({ reply: 'Welcome!' });
      const response = await post({
        session_id: 'sess-42',
        message_type: 'chatMessage',
        message_content: 'hello chatgate',
        user_id: '1001',
        entity_id: 'twitch:channel:77',
        platform: 'twitch',
        username: 'viewer',
        display_name: 'Viewer',
        callback_url: callbackUrl,
      });
      expect(response.statusCode).toBe(202);
      const { interaction_id } = response.json();
      await waitFor(() => (received.length >= 2 ? true : undefined));
      expect(received[1]).toMatchObject({
        interaction_id,
        session_id: 'sess-42',
        event_id: 'twitch:sess-42',
        platform: 'twitch',
        channel_id: 'twitch:channel:77',
        success: true,
        response_action: 'chat',
        response_data: { message: 'Welcome!' },
      });
    } finally {
      receiver.close();
    }
  });

  it('lists recent interactions newest first, filtered by status and community', async () => {
    await start();
    await post(interactionBody({ text: 'nothing here' }));
    const queued = (await post(interactionBody())).json();
    await finished(queued.interaction_id);
    await post(interactionBody({ community_id: 'api:other', text: 'still nothing' }));
    const all = (await h.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?limit=10' })).json();
    expect(all.interactions.map((item: { event: { text: string } }) => item.event.text)).toEqual([
      'still nothing',
      'hello there, how are you?',
      'nothing here',
    ]);
    expect(all.interactions[0].event).not.toHaveProperty('raw');
    const done = (await h.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?status=done' })).json();
    expect(done.interactions).toHaveLength(1);
    const other = (
      await h.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?community_id=api:other' })
    ).json();
    expect(other.interactions).toHaveLength(1);
    const bad = await h.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?limit=0' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('limit');
  });
});
