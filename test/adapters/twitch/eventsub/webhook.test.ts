/**
 * The EventSub webhook transport end to end: with `TWITCH_EVENTSUB_CALLBACK_URL` and
 * `TWITCH_EVENTSUB_SECRET` set, chatgate subscribes with the app token to its callback, answers
 * Twitch's `webhook_callback_verification` with the challenge, answers a mention delivered by a
 * signed POST to `/webhooks/twitch/eventsub` (threaded, via `POST /chat/messages`), thanks a raid,
 * and answers a redelivered message once; once an admin hands over the broadcaster's refresh
 * token, the channel's redemptions are subscribed with the app token and a configured one is
 * answered from a signed delivery. A bad signature, an old timestamp and missing headers
 * are refused with 403 and logged; a replayed message id is acknowledged (204) and dropped. The
 * fake's POSTs reach chatgate through `app.inject`.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import { type FakeServer, startFakeOllama } from '../../../fakes/fake-ollama.js';
import {
  type FakeTwitchHelix,
  startFakeTwitchHelix,
  twitchWebhookRequest,
} from '../../../fakes/fake-twitch-helix.js';
import {
  chatMessageEvent,
  chatNotificationEvent,
  raidNotice,
  redemptionEvent,
} from '../../../fakes/twitch-eventsub-payloads.js';
import { type Pipeline, startPipeline } from '../../../support/pipeline.js';
import { waitFor } from '../../../support/wait-for.js';
import { BOT_SUBSCRIPTIONS, CHANNEL, FAKE_USERS } from './support.js';

const SECRET = 'webhook-secret-0123';
const CALLBACK = 'https://bot.example.com/webhooks/twitch/eventsub';
const URL_PATH = '/webhooks/twitch/eventsub';

describe('Twitch EventSub over webhooks', () => {
  let twitch: FakeTwitchHelix;
  let ollama: FakeServer;
  let pipeline: Pipeline;
  const logs: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    ollama = await startFakeOllama();
    let answers = 0;
    ollama.behave({ reply: () => `Hello from the webhook side! (${++answers})` });
    twitch = await startFakeTwitchHelix({ users: FAKE_USERS });
    let ready: (pipeline: Pipeline) => void = () => {};
    const started = new Promise<Pipeline>((resolve) => {
      ready = resolve;
    });
    twitch.setWebhookSender(async (post) => {
      const app = (await started).app;
      const answer = await app.inject({
        method: 'POST',
        url: new URL(post.url).pathname,
        headers: post.headers,
        payload: post.body,
      });
      return { status: answer.statusCode, body: answer.body };
    });
    const config = loadConfig({
      env: {
        TWITCH_CLIENT_ID: twitch.clientId,
        TWITCH_CLIENT_SECRET: twitch.clientSecret,
        TWITCH_BOT_USER_ID: twitch.bot.id,
        TWITCH_REFRESH_TOKEN: twitch.refreshToken,
        TWITCH_CHANNELS: CHANNEL.login,
        TWITCH_API_URL: twitch.apiUrl,
        TWITCH_AUTH_URL: twitch.authUrl,
        TWITCH_EVENTSUB_CALLBACK_URL: CALLBACK,
        TWITCH_EVENTSUB_SECRET: SECRET,
        CHATGATE_SECRET_KEY: 'a-test-secret-of-32-characters!!',
      },
      overrides: {
        log: { level: 'silent' },
        ai: { ollama: { host: ollama.url }, retry: { initialDelayMs: 1, maxDelayMs: 5 } },
      },
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line));
        done();
      },
    });
    pipeline = await startPipeline(config, undefined, { logger: pino({ level: 'info' }, sink) });
    ready(pipeline);
    await waitFor(
      () =>
        twitch.subscriptions().filter((sub) => sub.status === 'enabled').length === BOT_SUBSCRIPTIONS.length,
      10_000,
      'the subscriptions verified',
    );
  }, 60_000);
  afterAll(async () => {
    await pipeline?.close();
    await twitch?.close();
    await ollama?.close();
  });

  const deliver = (headers: Record<string, string>, body: string) =>
    pipeline.app.inject({ method: 'POST', url: URL_PATH, headers, payload: body });
  const refusals = () => logs.filter((line) => line.msg === 'twitch eventsub webhook: delivery refused');
  const chatPayload = (id: string, text: string) => ({
    subscription: { id: 'sub-1', type: 'channel.chat.message', version: '1', status: 'enabled' },
    event: chatMessageEvent(CHANNEL, { id: '4300', login: 'forger' }, id, text),
  });

  it('subscribes with the app token to its callback, verified by the challenge', () => {
    const subscriptions = twitch.subscriptions();
    expect(subscriptions.map((sub) => [sub.type, sub.method, sub.callback]).sort()).toEqual(
      BOT_SUBSCRIPTIONS.map((type) => [type, 'webhook', CALLBACK]),
    );
    const creates = twitch.calls.filter((call) => call.path === '/eventsub/subscriptions');
    expect(creates.every((call) => call.token === 'app')).toBe(true);
    // channel.ban and the channel's events (redemptions, cheers, follows) need the broadcaster's
    // grant to the app: refused, the rest created; the refused channel events in one line.
    expect(creates.map((call) => call.status).sort()).toEqual([202, 202, 202, 202, 403, 403, 403, 403]);
    const verifications = twitch.webhookDeliveries.filter(
      (d) => d.messageType === 'webhook_callback_verification',
    );
    expect(verifications.map((d) => d.status)).toEqual([200, 200, 200, 200]);
    const missing = logs.filter((line) => String(line.msg).includes('has no broadcaster grant'));
    expect(missing).toHaveLength(1);
    expect(missing[0]?.msg).toContain(
      'channel.channel_points_custom_reward_redemption.add (channel:read:redemptions)',
    );
    expect(pipeline.platforms.adapters[0]?.state().status).toBe('online');
  });

  it('answers a mention threaded and a raid, and a redelivered message once', async () => {
    const delivery = twitch.notify(
      'channel.chat.message',
      chatMessageEvent(CHANNEL, { id: '4301', login: 'viewer' }, 'w1', '@chatgatebot hi there'),
      { duplicate: true },
    );
    const answer = await waitFor(
      () => twitch.chatMessages.find((m) => m.replyParentMessageId === 'w1'),
      10_000,
    );
    expect(answer).toMatchObject({ broadcasterId: CHANNEL.id, as: 'app', isSent: true });
    const raider = { id: '9100', login: 'raider' };
    twitch.notify(
      'channel.chat.notification',
      chatNotificationEvent(CHANNEL, raider, 'w-raid', 'raid', raidNotice(raider, 7)),
    );
    await waitFor(() => twitch.chatMessages.some((m) => m.replyParentMessageId === undefined), 10_000);
    // Both deliveries of w1 were acknowledged; the second was dropped as seen before.
    const twice = await waitFor(() => {
      const found = twitch.webhookDeliveries.filter((d) => d.messageId === delivery);
      return found.length === 2 ? found : undefined;
    });
    expect(twice.map((d) => d.status)).toEqual([204, 204]);
    expect(twitch.chatMessages.filter((m) => m.replyParentMessageId === 'w1')).toHaveLength(1);
    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=twitch' })
    ).json();
    const ids = listed.interactions.map((item: { event: { id: string } }) => item.event.id);
    expect(ids.filter((id: string) => id === 'twitch:w1')).toHaveLength(1);
    expect(ids).toContain('twitch:w-raid');
  });

  it('refuses a bad signature, an old timestamp and missing headers (403, logged), and drops a replay (204)', async () => {
    const before = refusals().length;
    const good = twitchWebhookRequest(SECRET, 'notification', chatPayload('f1', '@chatgatebot forged?'), {
      subscriptionType: 'channel.chat.message',
    });
    const forged = { ...good.headers, 'twitch-eventsub-message-signature': `sha256=${'0'.repeat(64)}` };
    expect((await deliver(forged, good.body)).statusCode).toBe(403);
    const wrongKey = twitchWebhookRequest('some-other-secret', 'notification', chatPayload('f2', 'x'));
    expect((await deliver(wrongKey.headers, wrongKey.body)).statusCode).toBe(403);
    const old = twitchWebhookRequest(SECRET, 'notification', chatPayload('f3', 'old news'), {
      timestamp: new Date(Date.now() - 11 * 60_000).toISOString(),
    });
    expect((await deliver(old.headers, old.body)).statusCode).toBe(403);
    const bare = await deliver({ 'content-type': 'application/json' }, good.body);
    expect(bare.statusCode).toBe(403);
    expect(bare.json()).toMatchObject({ error_code: 'forbidden' });
    expect(refusals().length - before).toBe(3); // the bare one is refused on its headers, before the body
    expect(
      refusals()
        .slice(before)
        .map((line) => line.reason),
    ).toEqual(['bad_signature', 'bad_signature', 'stale_timestamp']);

    const fresh = twitchWebhookRequest(SECRET, 'notification', chatPayload('f4', 'a real one'));
    expect((await deliver(fresh.headers, fresh.body)).statusCode).toBe(204);
    expect((await deliver(fresh.headers, fresh.body)).statusCode).toBe(204);
    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=twitch' })
    ).json();
    const ids = listed.interactions.map((item: { event: { id: string } }) => item.event.id);
    expect(ids.filter((id: string) => id === 'twitch:f4')).toHaveLength(1);
    expect(ids).not.toContain('twitch:f1');
    expect(ids).not.toContain('twitch:f3');
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });

  it("subscribes the channel's events once the broadcaster's refresh token is handed over, and answers a configured redemption", async () => {
    const bogus = await pipeline.app.inject({
      method: 'PUT',
      url: `/api/v1/platforms/twitch/grants/${CHANNEL.login}`,
      payload: { refresh_token: 'not-a-token-twitch-knows' },
    });
    expect(bogus.statusCode).toBe(400);
    expect(bogus.json().error_code).toBe('grant_refused');
    const missing = await pipeline.app.inject({
      method: 'PUT',
      url: `/api/v1/platforms/twitch/grants/${CHANNEL.login}`,
      payload: { token: 'x' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toContain('refresh_token');

    const refreshToken = twitch.issueRefreshToken(CHANNEL.login, [
      'channel:read:redemptions',
      'bits:read',
      'moderator:read:followers',
    ]);
    const put = await pipeline.app.inject({
      method: 'PUT',
      url: `/api/v1/platforms/twitch/grants/${CHANNEL.login}`,
      payload: { refresh_token: refreshToken },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({
      channel: CHANNEL.login,
      user_id: CHANNEL.id,
      scopes: ['channel:read:redemptions', 'bits:read', 'moderator:read:followers'],
    });
    expect(put.body).not.toContain('refresh-');
    const channelTypes = [
      'channel.channel_points_custom_reward_redemption.add',
      'channel.cheer',
      'channel.follow',
    ];
    await waitFor(
      () =>
        twitch
          .subscriptions()
          .filter(
            (sub) => channelTypes.includes(sub.type) && sub.method === 'webhook' && sub.status === 'enabled',
          ).length === channelTypes.length,
      10_000,
      'the channel events subscribed and verified',
    );
    const patched = await pipeline.app.inject({
      method: 'PATCH',
      url: `/api/v1/communities/twitch:channel:${CHANNEL.id}/config`,
      payload: { triggers: { redemption: { reward_titles: ['Ask the AI'] } } },
    });
    expect(patched.statusCode).toBe(200);
    const before = twitch.chatMessages.length;
    const messageId = twitch.notify(
      'channel.channel_points_custom_reward_redemption.add',
      redemptionEvent(
        CHANNEL,
        { id: '4400', login: 'asker' },
        'wr-1',
        { id: 'rw-1', title: 'ask the ai' },
        'what is a webhook',
      ),
    );
    const reply = await waitFor(() => twitch.chatMessages[before], 10_000, 'the answer to the redemption');
    expect(reply).toMatchObject({ broadcasterId: CHANNEL.id, isSent: true });
    const delivered = twitch.webhookDeliveries.filter((d) => d.messageId === messageId);
    expect(delivered.map((d) => d.status)).toEqual([204]);
    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=twitch' })
    ).json();
    const item = listed.interactions.find(
      (i: { event: { id: string } }) => i.event.id === 'twitch:redemption:wr-1',
    );
    expect(item).toMatchObject({ status: 'done', trigger: 'redemption' });
    expect(item.event.meta).toMatchObject({
      rewardId: 'rw-1',
      rewardTitle: 'ask the ai',
      userInput: 'what is a webhook',
    });
    expect(JSON.stringify(logs)).not.toContain(refreshToken);
  }, 30_000);

  it('answers a verification with the challenge as plain text', async () => {
    const request = twitchWebhookRequest(SECRET, 'webhook_callback_verification', {
      challenge: 'pogchamp-kappa-360noscope-vohiyo',
      subscription: {
        id: 'sub-2',
        type: 'channel.chat.message',
        version: '1',
        status: 'webhook_callback_verification_pending',
      },
    });
    const answer = await deliver(request.headers, request.body);
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toBe('pogchamp-kappa-360noscope-vohiyo');
    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
  });
});
