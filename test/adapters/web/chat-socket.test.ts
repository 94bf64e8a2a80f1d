/**
 * The web chat (`GET /api/v1/ws/chat`) driven by a real `ws` client against chatgate listening on
 * 127.0.0.1, with the fake Ollama streaming its answers: sign-in and its refusals, a message
 * through the router and the worker with its reply streamed as `delta` frames and ended by
 * `done`, budgets, personas, and bad frames answered with `error` frames naming the field.
 */
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import { type FakeServer, startFakeOllama } from '../../fakes/fake-ollama.js';
import { hostileJson, hostileString, jsonObject, jsonString } from '../../fuzz/support/hostile.js';
import { type Pipeline, startPipeline } from '../../support/pipeline.js';
import { testConfig } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { WebChatClient } from '../../support/web-chat-client.js';

const ADMIN_KEY = 'web-admin-key-1';
const API_KEY = 'web-api-key-1';
const CLIENT_KEY = 'web-client-key-1';
const REPLY = 'Streaming works one word at a time, as promised.';

describe('the web chat socket', () => {
  let ollama: FakeServer;
  let pipeline: Pipeline | undefined;
  let url: string;
  const clients: WebChatClient[] = [];

  beforeAll(async () => {
    ollama = await startFakeOllama();
  });
  afterAll(() => ollama.close());
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') console.log(JSON.stringify(clients.map((c) => c.frames)));
    for (const client of clients.splice(0)) client.close();
    await pipeline?.close();
    pipeline = undefined;
    ollama.reset();
  });

  async function start(overrides: Parameters<typeof testConfig>[0] = {}): Promise<Pipeline> {
    const config: Config = testConfig({
      auth: { apiKeys: [API_KEY], clientKeys: [CLIENT_KEY], adminKey: ADMIN_KEY },
      ai: { ollama: { host: ollama.url } },
      ...overrides,
    });
    pipeline = await startPipeline(config);
    await pipeline.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = pipeline.app.server.address() as AddressInfo;
    url = `ws://127.0.0.1:${port}/api/v1/ws/chat`;
    return pipeline;
  }

  async function connect(): Promise<WebChatClient> {
    const client = await WebChatClient.open(url);
    clients.push(client);
    return client;
  }

  async function signIn(hello: Record<string, unknown> = {}): Promise<WebChatClient> {
    const client = await connect();
    client.send({ type: 'hello', key: ADMIN_KEY, community_id: 'web:playground', ...hello });
    const ready = await client.next((frame) => frame.type === 'ready' || frame.type === 'error');
    expect(ready).toMatchObject({ type: 'ready' });
    return client;
  }

  it('closes with 4401 on a bad key, after an error frame naming the key', async () => {
    await start();
    const client = await connect();
    client.send({ type: 'hello', key: 'not-a-key', community_id: 'web:playground' });
    expect(await client.nextOf('error')).toMatchObject({ code: 'unauthorized', field: 'key' });
    expect((await client.closed).code).toBe(4401);
  });

  it('closes with 4401 when the first frame is not a hello', async () => {
    await start();
    const client = await connect();
    client.send({ type: 'message', text: 'hi' });
    expect(await client.nextOf('error')).toMatchObject({ code: 'unauthorized', field: 'type' });
    expect((await client.closed).code).toBe(4401);
  });

  it('streams a reply: ack, deltas that add up to the final text, then done with the provider', async () => {
    const { services } = await start();
    ollama.behave({ reply: REPLY });
    const client = await signIn({ session_id: 'session-0001' });
    expect(client.frames[0]).toMatchObject({
      type: 'ready',
      session_id: 'session-0001',
      community_id: 'web:playground',
      user_id: 'admin',
    });
    client.send({ type: 'message', text: 'how does streaming work?', client_message_id: 'm1' });
    const ack = await client.nextOf('ack');
    expect(ack).toMatchObject({ status: 'queued', client_message_id: 'm1' });
    const id = String(ack.interaction_id);
    const done = await client.nextOf('done', id);
    expect(done).toMatchObject({ text: REPLY, provider: 'ollama', mode: 'remote' });
    expect(done.fallback_reason).toBeUndefined();
    const deltas = client.framesOf('delta', id);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((delta) => delta.text).join('')).toBe(done.text);
    // No frame of the interaction before its ack.
    expect(client.frames.findIndex((frame) => frame.interaction_id === id)).toBe(client.frames.indexOf(ack));
    // Through the router and the worker: logged as a web event of the session, answered.
    const logged = await services.interactions.get(id);
    expect(logged).toMatchObject({
      status: 'done',
      event: { platform: 'web', communityId: 'web:playground', channelId: 'session-0001', isDirect: true },
    });
    // The model was asked to stream.
    expect(ollama.calls.at(-1)?.body).toMatchObject({ stream: true });
  });

  it("refuses a message over the community's budget: an ack ignored with reason budget", async () => {
    const { app } = await start();
    const patched = await app.inject({
      method: 'PATCH',
      url: '/api/v1/communities/web:playground/config',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      payload: { budgets: { user_daily_tokens: 1 } },
    });
    expect(patched.statusCode).toBe(200);
    const client = await signIn();
    client.send({ type: 'message', text: 'first question?' });
    const first = await client.nextOf('ack');
    expect(first.status).toBe('queued');
    await client.nextOf('done', String(first.interaction_id));
    client.send({ type: 'message', text: 'second question?' });
    const second = await client.next(
      (frame) => frame.type === 'ack' && frame.interaction_id !== first.interaction_id,
    );
    expect(second).toMatchObject({ status: 'ignored', reason: 'budget' });
    // The user is told once, in chatgate's own words.
    const notice = await client.nextOf('done', String(second.interaction_id));
    expect(notice).toMatchObject({ provider: 'chatgate' });
    expect(String(notice.text)).toMatch(/budget/i);
  });

  it('answers every message with the triggers off (switch, probability, cooldowns), the guards still on', async () => {
    const { app } = await start();
    // The mention trigger switched off, never drawn, with a long cooldown: a platform's message
    // would be ignored; the web chat's are answered one after another.
    const patched = await app.inject({
      method: 'PATCH',
      url: '/api/v1/communities/web:playground/config',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      payload: {
        triggers: { mention: { enabled: false, probability: 0, user_cooldown_ms: 600_000 } },
        moderation: { blocked_terms: ['forbidden'] },
      },
    });
    expect(patched.statusCode).toBe(200);
    const client = await signIn();
    for (const text of ['first one', 'second one, at once']) {
      const from = client.frames.length;
      client.send({ type: 'message', text });
      const ack = await client.next((frame) => frame.type === 'ack', from);
      expect(ack).toMatchObject({ status: 'queued' });
      expect(await client.nextOf('done', String(ack.interaction_id))).toMatchObject({ provider: 'ollama' });
    }
    // Blocked terms (a guard) still refuse.
    const from = client.frames.length;
    client.send({ type: 'message', text: 'say something forbidden' });
    expect(await client.next((frame) => frame.type === 'ack', from)).toMatchObject({
      status: 'ignored',
      reason: 'blocked_term',
    });
  });

  it('names the personalities a hello may choose in its ready frame', async () => {
    const { config } = (await start()).services;
    const client = await signIn();
    expect(client.frames[0]).toMatchObject({
      type: 'ready',
      personalities: [...Object.keys(config.personalities), 'random'],
    });
  });

  it('keeps a client key to its own community (4403) and lets the admin key choose any', async () => {
    await start();
    const client = await connect();
    client.send({ type: 'hello', key: CLIENT_KEY, community_id: 'web:elsewhere' });
    expect(await client.nextOf('error')).toMatchObject({ code: 'forbidden', field: 'community_id' });
    expect((await client.closed).code).toBe(4403);

    const own = await connect();
    own.send({ type: 'hello', key: CLIENT_KEY, community_id: 'api:default' });
    const ready = await own.nextOf('ready');
    expect(ready.user_id).toMatch(/^key:[0-9a-f]{12}$/);
    expect(JSON.stringify(ready)).not.toContain(CLIENT_KEY);

    const roles = await connect();
    roles.send({ type: 'hello', key: CLIENT_KEY, community_id: 'api:default', roles: ['broadcaster'] });
    expect(await roles.nextOf('error')).toMatchObject({ code: 'forbidden', field: 'roles' });
    expect((await roles.closed).code).toBe(4403);

    const admin = await signIn({ community_id: 'twitch:channel:42' });
    expect(admin.frames[0]).toMatchObject({ type: 'ready', community_id: 'twitch:channel:42' });
  });

  it('answers garbage with error frames naming the field, and stays open', async () => {
    await start();
    const client = await connect();
    const errorAfter = async (frame: string | object | Buffer) => {
      const from = client.frames.length;
      if (Buffer.isBuffer(frame)) client.socket.send(frame);
      else client.send(frame);
      return client.next((received) => received.type === 'error', from);
    };
    expect(await errorAfter('not json {')).toMatchObject({ code: 'bad_frame', field: 'frame' });
    expect(await errorAfter('[1,2]')).toMatchObject({ field: 'frame' });
    expect(await errorAfter({ type: 'shout' })).toMatchObject({ field: 'type' });
    expect(await errorAfter({ type: 7 })).toMatchObject({ field: 'type' });
    expect(await errorAfter(Buffer.from([0xff, 0x00, 0x01]))).toMatchObject({ field: 'frame' });
    expect(await errorAfter({ type: 'hello', key: ADMIN_KEY })).toMatchObject({ field: 'community_id' });
    expect(
      await errorAfter({ type: 'hello', key: ADMIN_KEY, community_id: 'web:x', extra: 1 }),
    ).toMatchObject({
      field: 'extra',
    });
    expect(
      await errorAfter({ type: 'hello', key: ADMIN_KEY, community_id: 'web:x', session_id: 'a b' }),
    ).toMatchObject({ field: 'session_id' });
    expect(
      await errorAfter({ type: 'hello', key: ADMIN_KEY, community_id: 'web:x', personality: 'pirate' }),
    ).toMatchObject({ field: 'personality' });
    expect(await errorAfter({ type: 'hello', key: ADMIN_KEY, community_id: 'web:\u0000' })).toMatchObject({
      field: 'community_id',
    });
    // Still open: a good hello signs in, then bad messages are named too.
    client.send({ type: 'hello', key: ADMIN_KEY, community_id: 'web:x' });
    await client.nextOf('ready');
    expect(await errorAfter({ type: 'message' })).toMatchObject({ field: 'text' });
    expect(await errorAfter({ type: 'message', text: '' })).toMatchObject({ field: 'text' });
    expect(await errorAfter({ type: 'message', text: 'x'.repeat(4001) })).toMatchObject({ field: 'text' });
    expect(await errorAfter({ type: 'hello', key: ADMIN_KEY, community_id: 'web:x' })).toMatchObject({
      field: 'type',
    });
    client.send({ type: 'ping' });
    await client.nextOf('pong');
  });

  it("holds a stored client key to its rpm, and counts its messages under the key's id", async () => {
    const { app } = await start();
    const issued = await app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      payload: { name: 'playground', community_id: 'web:keyed', rpm: 1 },
    });
    expect(issued.statusCode).toBe(201);
    const { id, key } = issued.json() as { id: string; key: string };
    const client = await connect();
    client.send({ type: 'hello', key, community_id: 'web:keyed' });
    expect(await client.nextOf('ready')).toMatchObject({ user_id: `key:${id}` });
    client.send({ type: 'message', text: 'first', client_message_id: 'a' });
    const ack = await client.nextOf('ack');
    expect(ack.status).toBe('queued');
    client.send({ type: 'message', text: 'second', client_message_id: 'b' });
    const refused = await client.nextOf('error');
    expect(refused).toMatchObject({ code: 'rate_limit_exceeded', client_message_id: 'b' });
    expect(refused.retry_after).toBeGreaterThanOrEqual(1);
    await client.nextOf('done', String(ack.interaction_id));
    const rows = await waitFor(async () => {
      const usage = await app.inject({
        method: 'GET',
        url: `/api/v1/usage?key_id=${id}&group_by=key`,
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      const found = (usage.json() as { rows: Record<string, unknown>[] }).rows;
      return found.length > 0 && found;
    });
    expect(rows).toEqual([expect.objectContaining({ key_id: id, requests: 1 })]);
  });

  it('survives hostile frames: each gets an error frame (or is taken), and the socket stays open', async () => {
    await start();
    const client = await signIn();
    const frames = fc
      .sample(
        fc.oneof(
          hostileJson,
          hostileString(),
          // Frames of a known type with hostile fields.
          fc
            .tuple(
              fc.constantFrom('hello', 'message', 'ping'),
              fc.constantFrom('text', 'key', 'community_id', 'roles'),
              hostileJson,
            )
            .map(([type, field, value]) =>
              jsonObject([
                ['type', jsonString(type)],
                [field, value],
              ]),
            ),
        ),
        { numRuns: 200, seed: 18 },
        // Larger frames close the socket by design (1009, tested below).
      )
      .filter((frame) => Buffer.byteLength(frame) < 16_000);
    for (const frame of frames) {
      const from = client.frames.length;
      client.send(frame);
      client.send({ type: 'ping' });
      await client.next((received) => received.type === 'pong', from);
      const answers = client.frames.slice(from).map((received) => received.type);
      expect(
        answers.every((type) => ['error', 'ack', 'pong', 'delta', 'done'].includes(type)),
        frame,
      ).toBe(true);
    }
    expect(client.frames.filter((frame) => frame.field !== undefined).length).toBeGreaterThan(100);
  });

  it('closes a socket that sends a frame over the size limit (1009)', async () => {
    await start();
    const client = await connect();
    client.send({ type: 'message', text: 'x'.repeat(20_000) });
    expect((await client.closed).code).toBe(1009);
  });

  it("answers with the session's personality instead of the community's", async () => {
    const { config } = (await start()).services;
    const client = await signIn({ personality: 'creative' });
    expect(client.frames[0]).toMatchObject({ personality: 'creative' });
    client.send({ type: 'message', text: 'tell me about cats' });
    const ack = await client.nextOf('ack');
    await client.nextOf('done', String(ack.interaction_id));
    const body = ollama.calls.at(-1)?.body as { messages: { role: string; content: string }[] };
    const system = body.messages.find((message) => message.role === 'system')?.content ?? '';
    expect(system).toContain(config.personalities.creative?.slice(0, 40));
    expect(system).not.toContain(config.personalities.friendly?.slice(0, 40));
  });

  it('tells the client when no reply comes: an error frame with the reason', async () => {
    await start({
      ai: { ollama: { host: ollama.url }, mode: 'remote', offlineResponses: false },
    } as Parameters<typeof testConfig>[0]);
    ollama.behave({ fail: { status: 500 } });
    const client = await signIn();
    client.send({ type: 'message', text: 'anyone there?' });
    const ack = await client.nextOf('ack');
    expect(ack.status).toBe('queued');
    const error = await client.nextOf('error', String(ack.interaction_id));
    expect(error).toMatchObject({ code: 'not_answered' });
    expect(String(error.reason)).toMatch(/ollama/);
  });

  it('takes a message sent right after the hello, without waiting for ready', async () => {
    await start();
    const client = await connect();
    client.send({ type: 'hello', key: ADMIN_KEY, community_id: 'web:playground' });
    client.send({ type: 'message', text: 'quick one?' });
    const ack = await client.nextOf('ack');
    expect(client.frames[0]?.type).toBe('ready');
    expect((await client.nextOf('done', String(ack.interaction_id))).text).toBe('Hello from the fake');
  });

  it('closes a socket that never says hello (4408)', async () => {
    await start({ platforms: { web: { helloTimeoutMs: 100 } } } as Parameters<typeof testConfig>[0]);
    const client = await connect();
    // Frames that are not a hello do not put the deadline off: a ping for every pong, until it closes.
    client.socket.on('message', () => {
      if (client.socket.readyState === client.socket.OPEN) client.send({ type: 'ping' });
    });
    client.send({ type: 'ping' });
    expect((await client.closed).code).toBe(4408);
    expect(client.frames.filter((frame) => frame.type === 'pong').length).toBeGreaterThan(1);
  });

  it('answers a plain GET (no upgrade) with 426 in our error shape', async () => {
    const { app } = await start();
    const response = await app.inject({ method: 'GET', url: '/api/v1/ws/chat' });
    expect(response.statusCode).toBe(426);
    expect(response.json()).toMatchObject({ error_code: 'upgrade_required' });
  });
});
