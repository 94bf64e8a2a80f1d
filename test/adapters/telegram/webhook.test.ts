import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter, type TelegramAdapter } from '../../../adapters/telegram/adapter.js';
import { derivedWebhookSecret, secretMatches } from '../../../adapters/telegram/webhook.js';
import { telegramWebhookRoute } from '../../../adapters/telegram/webhook-route.js';
import { platformRoutes } from '../../../src/http/routes/platform-routes.js';
import { type FakeTelegram, recordingHost, startFakeTelegram } from '../../fakes/fake-telegram.js';
import { rawExchange } from '../../support/raw-http.js';

const SECRET = 's3cret_Webhook-token';
const HOOK = 'https://bot.example.com/telegram/webhook';

/** A private message Update, as Telegram would post it to the webhook. */
const update = (updateId: number, text = 'hello') => ({
  update_id: updateId,
  message: {
    message_id: updateId,
    from: { id: 42, is_bot: false, first_name: 'Ann', username: 'ann' },
    chat: { id: 42, type: 'private', first_name: 'Ann' },
    date: 1_700_000_000,
    text,
  },
});

describe('secretMatches', () => {
  it('accepts only the exact secret', () => {
    expect(secretMatches(SECRET, SECRET)).toBe(true);
    expect(secretMatches(SECRET, `${SECRET}x`)).toBe(false);
    expect(secretMatches(SECRET, SECRET.slice(1))).toBe(false);
    expect(secretMatches(SECRET, undefined)).toBe(false);
  });

  it('derives a stable secret Telegram accepts, unrelated to the token text', () => {
    const derived = derivedWebhookSecret('123:abc');
    expect(derived).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
    expect(derived).toBe(derivedWebhookSecret('123:abc'));
    expect(derived).not.toContain('abc');
  });
});

describe('Telegram adapter in webhook mode', () => {
  let fake: FakeTelegram;
  let adapter: TelegramAdapter | undefined;
  let recorder: ReturnType<typeof recordingHost>;

  /** `null`: no secret configured. */
  async function start(webhookSecret: string | null = SECRET): Promise<TelegramAdapter> {
    fake = await startFakeTelegram();
    recorder = recordingHost();
    adapter = createTelegramAdapter(
      {
        botToken: fake.token,
        apiRoot: fake.url,
        webhookUrl: HOOK,
        ...(webhookSecret ? { webhookSecret } : {}),
      },
      { limits: { perChatIntervalMs: 0 } },
    );
    if (!adapter) throw new Error('no adapter');
    return adapter;
  }

  afterEach(async () => {
    await adapter?.stop();
    await fake.close();
  });

  it('sets the webhook with the secret instead of polling', async () => {
    const bot = await start();
    expect(bot.webhook()?.path).toBe('/telegram/webhook');
    await bot.start(recorder.host);
    expect(bot.state().status).toBe('online');
    expect(recorder.names).toEqual([fake.username]);
    expect(fake.webhook).toEqual({ url: HOOK, secretToken: SECRET });
    expect(fake.callsOf('setWebhook')[0]?.params.allowed_updates).toEqual([
      'message',
      'channel_post',
      'my_chat_member',
      'chat_member',
    ]);
    expect(fake.callsOf('getUpdates')).toEqual([]);
  });

  it('rejects a missing or wrong secret and accepts the right one', async () => {
    const bot = await start();
    const hook = bot.webhook();
    expect(await hook?.handle(update(1), SECRET)).toEqual({ status: 503 }); // not started yet
    await bot.start(recorder.host);
    expect(await hook?.handle(update(2), undefined)).toEqual({ status: 401 });
    expect(await hook?.handle(update(3), 'wrong')).toEqual({ status: 403 });
    expect(await hook?.handle(update(4), `${SECRET} `)).toEqual({ status: 403 });
    expect(recorder.ingested).toEqual([]);
    expect(await hook?.handle({ hello: 'world' }, SECRET)).toEqual({ status: 400 });
    expect(await hook?.handle(update(5), SECRET)).toEqual({ status: 200 });
    expect(recorder.ingested).toHaveLength(1);
    expect(recorder.ingested[0]).toMatchObject({ id: 'telegram:42:5', isDirect: true, text: 'hello' });
    await bot.stop();
    expect(await hook?.handle(update(6), SECRET)).toEqual({ status: 503 });
  });

  it('derives a secret from the token when none is configured', async () => {
    const bot = await start(null);
    await bot.start(recorder.host);
    const secret = fake.webhook?.secretToken ?? '';
    expect(secret).toBe(derivedWebhookSecret(fake.token));
    expect(await bot.webhook()?.handle(update(1), secret)).toEqual({ status: 200 });
    expect(await bot.webhook()?.handle(update(2), fake.token)).toEqual({ status: 403 });
  });

  it('has no webhook handler in polling mode', async () => {
    fake = await startFakeTelegram();
    expect(createTelegramAdapter({ botToken: fake.token, apiRoot: fake.url })?.webhook()).toBeUndefined();
  });

  /** A started bot in webhook mode, its route mounted on a bare fastify (not listening yet). */
  async function webhookApp() {
    const bot = await start();
    await bot.start(recorder.host);
    const hook = bot.webhook();
    if (!hook) throw new Error('no webhook handler');
    const app = Fastify();
    await app.register(platformRoutes([telegramWebhookRoute(hook)]));
    return app;
  }

  it('refuses a wrong or missing secret before it reads the body', async () => {
    const app = await webhookApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    // Headers announcing a 950 KB body that never comes: the answer must not wait for it.
    const headers = (secret?: string) =>
      'POST /telegram/webhook HTTP/1.1\r\nHost: chatgate\r\ncontent-type: application/json\r\n' +
      `${secret ? `x-telegram-bot-api-secret-token: ${secret}\r\n` : ''}content-length: 950000\r\n\r\n{`;
    expect((await rawExchange(port, [headers('nope')], { untilFirstData: true })).status).toBe(403);
    expect((await rawExchange(port, [headers()], { untilFirstData: true })).status).toBe(401);
    expect(recorder.ingested).toEqual([]);
    await app.close();
  });

  it('is served by the fastify route with the secret header', async () => {
    const app = await webhookApp();
    const post = (headers: Record<string, string>, payload: object = update(10, 'via fastify')) =>
      app.inject({ method: 'POST', url: '/telegram/webhook', headers, payload });

    const wrong = await post({ 'x-telegram-bot-api-secret-token': 'nope' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ error_code: 'forbidden' });
    expect((await post({})).statusCode).toBe(401);
    const ok = await post({ 'x-telegram-bot-api-secret-token': SECRET });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('');
    expect(recorder.ingested.map((e) => e.text)).toEqual(['via fastify']);
    expect((await app.inject({ method: 'GET', url: '/telegram/webhook' })).statusCode).toBe(404);
    await app.close();
  });
});
