/**
 * Twitch over EventSub end to end (issue 16's "done when", WebSocket transport): chatgate built by
 * `createChatgate` from the environment variables alone (`TWITCH_CLIENT_ID`, `TWITCH_CLIENT_SECRET`,
 * `TWITCH_BOT_USER_ID`, `TWITCH_REFRESH_TOKEN`, `TWITCH_CHANNELS` and the three URLs pointing at the
 * fake Twitch) resolves the channel, subscribes to `channel.chat.message` on the welcome's session,
 * answers a mention with `POST /chat/messages` carrying `reply_parent_message_id`, thanks a raid
 * from `channel.chat.notification`, survives a `session_reconnect` (an event sent after it is
 * answered, none twice), and shows every event in `GET /api/v1/ai/interactions`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import { type FakeServer, startFakeOllama } from '../../../fakes/fake-ollama.js';
import { type FakeTwitchHelix, startFakeTwitchHelix } from '../../../fakes/fake-twitch-helix.js';
import {
  chatMessageEvent,
  chatNotificationEvent,
  raidNotice,
} from '../../../fakes/twitch-eventsub-payloads.js';
import { type Pipeline, startPipeline } from '../../../support/pipeline.js';
import { waitFor } from '../../../support/wait-for.js';
import { BOT_SUBSCRIPTIONS, CHANNEL, eventSubEnv, FAKE_USERS } from './support.js';

describe('Twitch over EventSub through the whole pipeline', () => {
  let twitch: FakeTwitchHelix;
  let ollama: FakeServer;
  let pipeline: Pipeline;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    // Distinct answers: Twitch refuses a repeated message within 30 s, so the adapter would hold it.
    let answers = 0;
    ollama.behave({ reply: () => `Glad you are here! (${++answers})` });
    twitch = await startFakeTwitchHelix({ users: FAKE_USERS });
    const config = loadConfig({
      env: {
        ...eventSubEnv(twitch),
      },
      overrides: {
        log: { level: 'silent' },
        ai: { ollama: { host: ollama.url }, retry: { initialDelayMs: 1, maxDelayMs: 5 } },
        triggers: { kinds: { question: { probability: 1 } } },
      },
    });
    expect(config.platforms.twitch).toMatchObject({ clientId: twitch.clientId, channels: [CHANNEL.login] });
    pipeline = await startPipeline(config);
    await waitFor(
      () => twitch.subscriptions().length === BOT_SUBSCRIPTIONS.length,
      10_000,
      'the subscriptions',
    );
  }, 60_000);
  afterAll(async () => {
    await pipeline?.close();
    await twitch?.close();
    await ollama?.close();
  });

  const viewer = { id: '4244', login: 'viewer', name: 'Viewer' };
  const repliesTo = (parent: string) =>
    twitch.chatMessages.filter((message) => message.replyParentMessageId === parent);

  it('subscribes on the welcome session, answers a mention threaded, thanks a raid, and survives a reconnect', async () => {
    const users = twitch.calls.filter(
      (call) => call.path === '/users' && call.query.getAll('login').length > 0,
    );
    expect(users.map((call) => call.query.getAll('login'))).toEqual([[CHANNEL.login]]);
    const subscriptions = twitch.subscriptions();
    expect(subscriptions.map((sub) => sub.type)).toContain('channel.chat.message');
    expect(new Set(subscriptions.map((sub) => sub.sessionId)).size).toBe(1);
    expect(twitch.openSessionCount()).toBe(1);

    twitch.notify(
      'channel.chat.message',
      chatMessageEvent(CHANNEL, viewer, 'm1', '@chatgatebot how are you'),
    );
    const answer = await waitFor(() => repliesTo('m1')[0], 10_000, 'the answer to m1');
    expect(answer).toMatchObject({
      broadcasterId: CHANNEL.id,
      senderId: twitch.bot.id,
      isSent: true,
      as: 'app',
    });
    expect(answer.message).toMatch(/^Glad you are here!/);

    const raider = { id: '9002', login: 'raider', name: 'Raider' };
    twitch.notify(
      'channel.chat.notification',
      chatNotificationEvent(CHANNEL, raider, 'raid-1', 'raid', raidNotice(raider, 12)),
    );
    await waitFor(
      () => twitch.chatMessages.some((message) => message.replyParentMessageId === undefined),
      10_000,
    );

    await twitch.reconnect();
    twitch.notify(
      'channel.chat.message',
      chatMessageEvent(CHANNEL, { ...viewer, id: '4245' }, 'm2', '@chatgatebot still there?'),
      { duplicate: true },
    );
    await waitFor(() => repliesTo('m2')[0], 10_000, 'the answer to m2');
    expect(twitch.connectionCount()).toBe(2);

    const listed = (
      await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/interactions?platform=twitch' })
    ).json();
    const outcome = Object.fromEntries(
      listed.interactions.map(
        (item: { event: { id: string }; status: string; reason: string | null; trigger: string | null }) => [
          item.event.id,
          `${item.reason ?? item.status}:${item.trigger}`,
        ],
      ),
    );
    expect(outcome).toMatchObject({
      'twitch:m1': 'done:mention',
      'twitch:raid-1': 'done:raid',
      'twitch:m2': 'done:mention',
    });
    // Each event answered once: the duplicate delivery was dropped before the router.
    expect(
      listed.interactions.filter((item: { event: { id: string } }) => item.event.id === 'twitch:m2'),
    ).toHaveLength(1);
    expect(repliesTo('m1')).toHaveLength(1);
    expect(repliesTo('m2')).toHaveLength(1);

    const status = (await pipeline.app.inject({ method: 'GET', url: '/api/v1/ai/status' })).json();
    expect(JSON.stringify(status)).toContain('"twitch"');
  }, 40_000);

  it('counts a message Twitch dropped (is_sent: false) by its reason, without sending it again', async () => {
    twitch.dropNext('msg_duplicate', 'Your message is identical to one you sent recently.');
    twitch.notify(
      'channel.chat.message',
      chatMessageEvent(CHANNEL, { ...viewer, id: '4246' }, 'm3', '@chatgatebot one more'),
    );
    // Counted once Twitch's answer is read.
    const counted =
      /chatgate_platform_messages_dropped_total\{platform="twitch",reason="msg_duplicate"\} 1\b/;
    await waitFor(
      async () => counted.test((await pipeline.app.inject({ method: 'GET', url: '/metrics' })).body),
      10_000,
      'the drop counted',
    );
    expect(repliesTo('m3')).toEqual([
      expect.objectContaining({ isSent: false, dropReason: 'msg_duplicate' }),
    ]);
  }, 20_000);
});
