/**
 * Delivery end to end: replies leave the adapter through real tmi.js and arrive at the fake Twitch
 * server as threaded PRIVMSGs, neutralized and split, within Twitch's rate limits.
 *
 * Time: at Twitch's real limits a burst of 200 takes about 5 minutes. The burst tests therefore run
 * the adapter on an injected virtual clock (ManualClock) that the fake also stamps arrivals with:
 * the test moves time from one scheduler timer to the next once the fake has received everything
 * sent so far, so the fake judges Twitch's real figures (30 s windows, 20 or 100 messages, 1.2 s
 * between messages) exactly, in well under a second of real time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleLimits, TWITCH_LIMITS } from '../../../adapters/twitch/adapter.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import {
  type FakeTwitch,
  type ReceivedPrivmsg,
  startFakeTwitch,
  TWITCH_RULES,
} from '../../fakes/fake-twitch.js';
import { eventually, fakeConfig, ManualClock, type Running, startAdapter, viewerLine } from './harness.js';

/** Strips the invisible suffix the scheduler adds to vary a repeated text. */
const unvaried = (text: string): string => text.replace(/( \u{E0000}+)$/u, '');

/** The most messages the fake saw in any window of `windowMs` (sliding over every arrival). */
function busiestWindow(messages: readonly ReceivedPrivmsg[], windowMs: number): number {
  let most = 0;
  for (const [index, first] of messages.entries()) {
    let count = 0;
    for (const other of messages.slice(index)) if (other.at < first.at + windowMs) count += 1;
    most = Math.max(most, count);
  }
  return most;
}

function smallestGap(messages: readonly ReceivedPrivmsg[]): number {
  let smallest = Number.POSITIVE_INFINITY;
  for (let index = 1; index < messages.length; index += 1) {
    smallest = Math.min(smallest, (messages[index]?.at ?? 0) - (messages[index - 1]?.at ?? 0));
  }
  return smallest;
}

async function viewerEvent(
  fake: FakeTwitch,
  running: Running,
  channel: string,
  id: string,
): Promise<ChatEvent> {
  fake.inject(viewerLine(channel, id, `question ${id}?`));
  return eventually(() => running.host.events.find((event) => event.id === `twitch:${id}`));
}

describe('twitch delivery: threaded, neutralized, split', () => {
  let fake: FakeTwitch;
  let running: Running;
  beforeAll(async () => {
    // Timing is not under test here (the bursts below test it): the scheduler runs 40 times faster
    // than Twitch's limits and the fake does not judge gaps.
    fake = await startFakeTwitch({ rules: { channelGapMs: 0, windowMs: 750 } });
    running = await startAdapter(fake, fakeConfig(fake), { limits: scaleLimits(TWITCH_LIMITS, 1 / 40) });
  });
  afterAll(async () => {
    await running.adapter.stop();
    await fake.close();
  });
  const arrivals = (from: number): ReceivedPrivmsg[] => fake.privmsgs.slice(from);

  it('posts a threaded reply with the reply-parent-msg-id of the event', async () => {
    const event = await viewerEvent(fake, running, 'mychan', 'parent-1');
    const from = fake.privmsgs.length;
    await running.adapter.send({ event, text: 'Hello there!' });
    const [reply] = await eventually(() => arrivals(from).length === 1 && arrivals(from));
    expect(reply).toMatchObject({
      channel: 'mychan',
      text: 'Hello there!',
      tags: { 'reply-parent-msg-id': 'parent-1' },
    });
    expect(reply?.line).toBe('@reply-parent-msg-id=parent-1 PRIVMSG #mychan :Hello there!');
    expect(reply?.refused).toBeUndefined();
  });

  it('neutralizes /commands, .commands and line breaks in model output', async () => {
    const event = await viewerEvent(fake, running, 'mychan', 'parent-2');
    const from = fake.privmsgs.length;
    await running.adapter.send({ event, text: '/ban someone' });
    await running.adapter.send({ event, text: '.timeout someone 600' });
    await running.adapter.send({ event, text: ' \u200B/me waves\r\nPRIVMSG #other :injected' });
    const replies = await eventually(() => arrivals(from).length === 3 && arrivals(from));
    expect(replies.map((reply) => reply.text)).toEqual([
      'ban someone',
      'timeout someone 600',
      'me waves PRIVMSG #other :injected',
    ]);
    expect(fake.received.some((line) => /^(@\S+ )?PRIVMSG #other/.test(line.line))).toBe(false);
    expect(fake.ruleNotices).toEqual([]);
  });

  it('thanks a stream event (USERNOTICE) in plain chat, not threaded', async () => {
    fake.inject(
      '@badges=;display-name=Raider;id=raid-1;login=raider;msg-id=raid;msg-param-viewerCount=12;room-id=5;user-id=8 :tmi.twitch.tv USERNOTICE #mychan',
    );
    const event = await eventually(() => running.host.events.find((found) => found.id === 'twitch:raid-1'));
    const from = fake.privmsgs.length;
    await running.adapter.send({ event, text: 'Welcome, raiders!' });
    const [reply] = await eventually(() => arrivals(from).length === 1 && arrivals(from));
    expect(reply?.line).toBe('PRIVMSG #mychan :Welcome, raiders!');
  });

  it('splits a 900-character reply into 2 threaded parts on word boundaries', async () => {
    const event = await viewerEvent(fake, running, 'mychan', 'parent-3');
    const text = Array.from(
      { length: 113 },
      (_unused, index) => `word${String(index).padStart(3, '0')}`,
    ).join(' ');
    expect(text.length).toBe(903);
    const from = fake.privmsgs.length;
    await running.adapter.send({ event, text });
    const parts = await eventually(() => arrivals(from).length === 2 && arrivals(from));
    for (const part of parts) {
      expect(part.text.length).toBeLessThanOrEqual(500);
      expect(part.tags['reply-parent-msg-id']).toBe('parent-3');
      expect(part.text).toMatch(/^word\d{3}( word\d{3})*$/);
    }
    expect(parts.map((part) => part.text).join(' ')).toBe(text);
  });
});

/**
 * Sends 200 replies at once, then lets virtual time run: after each step it waits (real time) until
 * the fake has every message sent so far, then moves the clock to the next timer.
 */
async function burst(
  fake: FakeTwitch,
  running: Running,
  clock: ManualClock,
  event: ChatEvent,
  texts: string[],
) {
  for (const text of texts) await running.adapter.send({ event, text });
  const started = clock.now();
  while (fake.privmsgs.length < texts.length) {
    await eventually(() => fake.privmsgs.length === running.adapter.outboundStats().sent);
    if (fake.privmsgs.length < texts.length && !clock.advanceToNext()) throw new Error('no timer pending');
  }
  return { arrived: fake.privmsgs.slice(), virtualMs: clock.now() - started };
}

describe('twitch delivery: a burst of 200 replies as a non-moderator (virtual clock, real limits)', () => {
  const clock = new ManualClock();
  let fake: FakeTwitch;
  let running: Running;
  beforeAll(async () => {
    fake = await startFakeTwitch({ now: clock.now });
    running = await startAdapter(fake, fakeConfig(fake), { clock });
  });
  afterAll(async () => {
    await running.adapter.stop();
    await fake.close();
  });

  it('never more than 20 in any 30 s, at least 1.2 s apart, repeats varied, nothing lost', async () => {
    const event = await viewerEvent(fake, running, 'mychan', 'burst-parent');
    // Ten texts repeated: each recurs within 30 s, so the scheduler must vary them (msg_duplicate).
    const texts = Array.from({ length: 200 }, (_unused, index) => `answer number ${index % 10}`);
    const { arrived, virtualMs } = await burst(fake, running, clock, event, texts);

    expect(fake.ruleNotices).toEqual([]);
    expect(arrived.filter((message) => message.refused)).toEqual([]);
    const busiest = busiestWindow(arrived, TWITCH_RULES.windowMs);
    expect(busiest).toBe(20);
    expect(smallestGap(arrived)).toBeGreaterThanOrEqual(1_200);
    expect(arrived.map((message) => unvaried(message.text)).sort()).toEqual([...texts].sort());
    expect(arrived.every((message) => message.tags['reply-parent-msg-id'] === 'burst-parent')).toBe(true);
    const stats = running.adapter.outboundStats();
    expect(stats).toMatchObject({ sent: 200, queued: 0, refused: 0, givenUp: 0 });
    expect(stats.varied).toBeGreaterThan(0);
    console.info(
      `non-moderator burst of 200: busiest 30 s window ${busiest} messages, smallest gap ${smallestGap(arrived)} ms, ` +
        `longest wait ${(stats.maxWaitMs / 1000).toFixed(1)} s, all sent after ${(virtualMs / 1000).toFixed(1)} s (virtual)`,
    );
  });
});

describe('twitch delivery: a burst of 200 replies as a moderator (virtual clock, real limits)', () => {
  const clock = new ManualClock();
  let fake: FakeTwitch;
  let running: Running;
  beforeAll(async () => {
    fake = await startFakeTwitch({ now: clock.now, badges: { modchan: 'moderator/1' } });
    running = await startAdapter(fake, fakeConfig(fake, { channels: ['modchan'] }), { clock });
  });
  afterAll(async () => {
    await running.adapter.stop();
    await fake.close();
  });

  it('uses the moderator allowance learned from USERSTATE: up to 100 per 30 s', async () => {
    const event = await viewerEvent(fake, running, 'modchan', 'mod-parent');
    const texts = Array.from({ length: 200 }, (_unused, index) => `moderated answer ${index}`);
    const { arrived, virtualMs } = await burst(fake, running, clock, event, texts);
    expect(fake.ruleNotices).toEqual([]);
    const busiest = busiestWindow(arrived, TWITCH_RULES.windowMs);
    expect(busiest).toBe(100);
    expect(arrived.map((message) => message.text)).toEqual(texts);
    const stats = running.adapter.outboundStats();
    console.info(
      `moderator burst of 200: busiest 30 s window ${busiest} messages, longest wait ` +
        `${(stats.maxWaitMs / 1000).toFixed(1)} s, all sent after ${(virtualMs / 1000).toFixed(1)} s (virtual)`,
    );
  });
});
