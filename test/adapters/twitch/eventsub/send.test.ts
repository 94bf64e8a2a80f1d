/**
 * Sending over Helix against the fake: a reply to a chat message is `POST /chat/messages` with
 * `reply_parent_message_id`, as the app (Chat Bot badge) when the app may send, else as the bot
 * user; a raid is thanked unthreaded; `is_sent: false` is logged with its `drop_reason`, counted,
 * and not retried; an empty rate-limit bucket is waited out (no 429); a long reply is split.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scaleLimits, TWITCH_LIMITS } from '../../../../adapters/twitch/limits.js';
import type { ChatEvent } from '../../../../src/core/chat-event.js';
import {
  type FakeTwitchHelix,
  type FakeTwitchHelixOptions,
  startFakeTwitchHelix,
} from '../../../fakes/fake-twitch-helix.js';
import {
  chatMessageEvent,
  chatNotificationEvent,
  raidNotice,
} from '../../../fakes/twitch-eventsub-payloads.js';
import { waitFor } from '../../../support/wait-for.js';
import {
  CHANNEL,
  eventSubSettings,
  FAKE_USERS,
  logged,
  type RunningEventSub,
  startEventSub,
} from './support.js';

let fake: FakeTwitchHelix | undefined;
let running: RunningEventSub | undefined;
afterEach(async () => {
  await running?.adapter.stop();
  await fake?.close();
  running = undefined;
  fake = undefined;
});

async function online(
  options: FakeTwitchHelixOptions = {},
): Promise<{ fake: FakeTwitchHelix; running: RunningEventSub }> {
  fake = await startFakeTwitchHelix({ users: FAKE_USERS, ...options });
  // Twitch's windows cut 40-fold: the tests are about the path, not the pacing (scheduler.test.ts).
  running = await startEventSub(fake, eventSubSettings(fake), { limits: scaleLimits(TWITCH_LIMITS, 1 / 40) });
  return { fake, running };
}

const viewer = { id: '4242', login: 'viewer', name: 'Viewer' };

/** A viewer's message, as the adapter ingested it. */
async function received(
  fake: FakeTwitchHelix,
  running: RunningEventSub,
  id: string,
  text: string,
): Promise<ChatEvent> {
  fake.notify('channel.chat.message', chatMessageEvent(CHANNEL, viewer, id, text));
  return waitFor(() => running.host.events.find((event) => event.messageId === id));
}

describe('twitch eventsub sending', () => {
  it('answers a message with a threaded Send Chat Message as the app', async () => {
    const { fake, running } = await online();
    const event = await received(fake, running, 'm-1', '@chatgatebot hi');
    await running.adapter.send({ event, text: 'hello back' });
    const sent = await waitFor(() => fake.chatMessages[0]);
    expect(sent).toEqual({
      broadcasterId: CHANNEL.id,
      senderId: fake.bot.id,
      message: 'hello back',
      replyParentMessageId: 'm-1',
      as: 'app',
      isSent: true,
    });
    await waitFor(() => running.adapter.chatSendStats().sent === 1);
    expect(running.adapter.chatSendStats()).toEqual({ sent: 1, sentAsApp: 1, dropped: 0, failed: 0 });
  });

  it('sends as the bot user where the app may not, and keeps doing so there', async () => {
    const { fake, running } = await online({ appMayChat: false });
    const event = await received(fake, running, 'm-2', 'question?');
    await running.adapter.send({ event, text: 'first answer' });
    await waitFor(() => fake.chatMessages.length === 1);
    await running.adapter.send({ event, text: 'second answer' });
    await waitFor(() => fake.chatMessages.length === 2);
    expect(fake.chatMessages.map((message) => message.as)).toEqual(['user', 'user']);
    const appTries = fake.calls.filter((call) => call.path === '/chat/messages' && call.token === 'app');
    expect(appTries.map((call) => call.status)).toEqual([403]);
    expect(logged(running, 'sending as the bot user')).toHaveLength(1);
  });

  it('thanks a raid in plain chat (no reply parent)', async () => {
    const { fake, running } = await online();
    const raider = { id: '777', login: 'raider', name: 'Raider' };
    fake.notify(
      'channel.chat.notification',
      chatNotificationEvent(CHANNEL, raider, 'raid-1', 'raid', raidNotice(raider, 42)),
    );
    const event = await waitFor(() => running.host.events.find((found) => found.type === 'raid'));
    expect(event.meta).toEqual({ viewers: 42 });
    await running.adapter.send({ event, text: 'welcome raiders!' });
    const sent = await waitFor(() => fake.chatMessages[0]);
    expect(sent.message).toBe('welcome raiders!');
    expect(sent.replyParentMessageId).toBeUndefined();
  });

  it('logs and counts a message Twitch dropped (is_sent false) and does not retry it', async () => {
    const { fake, running } = await online();
    const event = await received(fake, running, 'm-3', 'hi');
    fake.dropNext(
      'msg_duplicate',
      'Your message is identical to the one you sent within the last 30 seconds.',
    );
    await running.adapter.send({ event, text: 'dropped answer' });
    await waitFor(() => running.adapter.chatSendStats().dropped === 1);
    const drops = logged(running, 'is_sent false');
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ dropReason: 'msg_duplicate', channel: CHANNEL.login });
    await running.adapter.send({ event, text: 'next answer' });
    await waitFor(() => fake.chatMessages.length === 2);
    expect(fake.chatMessages.map((message) => [message.message, message.isSent])).toEqual([
      ['dropped answer', false],
      ['next answer', true],
    ]);
  });

  it('waits for the reset when Helix says no requests remain, instead of drawing 429s', async () => {
    const { fake, running } = await online();
    const event = await received(fake, running, 'm-4', 'hi');
    fake.exhaustRateLimit(1);
    await running.adapter.send({ event, text: 'one' });
    await waitFor(() => fake.chatMessages.length === 1);
    await running.adapter.send({ event, text: 'two' });
    await waitFor(() => fake.chatMessages.length === 2, 10_000);
    expect(fake.tooManyRequests()).toBe(0);
    expect(fake.chatMessages.map((message) => message.message)).toEqual(['one', 'two']);
  });

  it('splits a long reply into threaded messages of at most 500 characters, in order', async () => {
    const { fake, running } = await online();
    const event = await received(fake, running, 'm-5', 'tell me a story');
    const words = Array.from({ length: 150 }, (_, index) => `word${index}`).join(' ');
    await running.adapter.send({ event, text: words });
    await waitFor(() => fake.chatMessages.length === 2, 10_000);
    expect(fake.chatMessages.every((message) => [...message.message].length <= 500)).toBe(true);
    expect(fake.chatMessages.every((message) => message.replyParentMessageId === 'm-5')).toBe(true);
    expect(fake.chatMessages[0]?.message.startsWith('word0 word1')).toBe(true);
  });
});
