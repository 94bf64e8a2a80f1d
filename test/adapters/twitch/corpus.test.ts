/**
 * Every line of the shared Twitch corpus (../shared/corpus/twitch-irc.txt, 65 real lines) goes
 * through the fake server into a joined channel and through real tmi.js into the adapter. PRIVMSGs
 * and the USERNOTICE kinds chatgate answers must become the right ChatEvent; every other line must
 * produce none, and nothing may throw. After each line a sentinel message marks "line handled".
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import { type FakeTwitch, startFakeTwitch } from '../../fakes/fake-twitch.js';
import { describeNeeding } from '../../support/requirements.js';
import { EXPECTED, SCHMOOPIIE_ROOM } from './corpus-expected.js';
import { BOT, eventually, fakeConfig, type Running, startAdapter, viewerLine } from './harness.js';

const CORPUS_PATH = fileURLToPath(new URL('../../../../shared/corpus/twitch-irc.txt', import.meta.url));
const corpus = existsSync(CORPUS_PATH)
  ? readFileSync(CORPUS_PATH, 'utf8').replace(/\n$/, '').split('\n')
  : undefined;

/** Lines that change the connection; they run last, each with its own expectations. */
const RECONNECT_LINE = 64;
const AUTH_NOTICE_LINE = 50;
const CHANNEL_IN_LINE =
  /(?:PRIVMSG|USERNOTICE|CLEARCHAT|CLEARMSG|NOTICE|ROOMSTATE|USERSTATE|JOIN|PART) #(\w+)/;

describeNeeding(['corpus'], 'twitch adapter: the shared corpus through tmi.js', () => {
  const lines = corpus ?? [];
  const channels = [
    ...new Set(['mychan', ...lines.flatMap((line) => CHANNEL_IN_LINE.exec(line)?.[1] ?? [])]),
  ];
  const eventsByLine = new Map<number, ChatEvent[]>();
  let fake: FakeTwitch;
  let running: Running;

  const handled = async (marker: string): Promise<void> => {
    fake.inject(viewerLine('mychan', `sentinel-${marker}`, `sentinel ${marker}`));
    await eventually(() => running.host.events.some((event) => event.id === `twitch:sentinel-${marker}`));
  };
  const eventsSince = (count: number): ChatEvent[] =>
    running.host.events.slice(count).filter((event) => !event.id.startsWith('twitch:sentinel-'));

  beforeAll(async () => {
    fake = await startFakeTwitch({ roomIds: { schmoopiie: SCHMOOPIIE_ROOM } });
    // 15 channels, joined twice (start and after RECONNECT): Twitch allows 20 JOINs per 10 s, so
    // the join window is shortened to 1 s here to keep the test fast.
    running = await startAdapter(fake, fakeConfig(fake, { channels }), { limits: { joinWindowMs: 1_000 } });
    for (const [index, line] of lines.entries()) {
      const number = index + 1;
      if (number === RECONNECT_LINE || number === AUTH_NOTICE_LINE) continue;
      const before = running.host.events.length;
      fake.inject(line);
      await handled(String(number));
      eventsByLine.set(number, eventsSince(before));
    }
  }, 30_000);
  afterAll(async () => {
    await running?.adapter.stop();
    await fake?.close();
  });

  it('holds the 65 records the corpus README promises', () => {
    expect(lines).toHaveLength(65);
  });

  it('stays online through every ordinary line', () => {
    expect(running.adapter.state().status).toBe('online');
    expect(running.statuses).toEqual(['connecting', 'online']);
  });

  it.each(Object.keys(EXPECTED).map(Number))('line %i becomes the right ChatEvent', (number) => {
    const events = eventsByLine.get(number) ?? [];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ platform: 'twitch', ...EXPECTED[number] });
    expect(events[0]?.raw).toMatchObject({ line: lines[number - 1] });
  });

  it('gives lines without an id tag a stable derived id and no message id', () => {
    const [line17] = eventsByLine.get(17) ?? [];
    const [line21] = eventsByLine.get(21) ?? [];
    expect(line17?.id).toMatch(/^twitch:derived:[0-9a-f]{24}$/);
    expect(line21?.id).toMatch(/^twitch:derived:[0-9a-f]{24}$/);
    expect(line17?.id).not.toBe(line21?.id);
    expect(line17?.messageId).toBeUndefined();
  });

  it('keeps the text exactly as typed (emoji, Cyrillic, double spaces)', () => {
    const trailing = (number: number): string => {
      const line = lines[number - 1] ?? '';
      return line.slice(line.indexOf(' :', line.indexOf(' PRIVMSG #')) + 2);
    };
    expect(eventsByLine.get(8)?.[0]?.text).toBe(trailing(8));
    expect(eventsByLine.get(23)?.[0]?.text).toBe(trailing(23));
  });

  it('produces no event for every other line', () => {
    const silent = lines
      .map((_line, index) => index + 1)
      .filter((number) => !(number in EXPECTED) && number !== RECONNECT_LINE && number !== AUTH_NOTICE_LINE);
    expect(silent).toHaveLength(65 - Object.keys(EXPECTED).length - 2);
    for (const number of silent)
      expect({ line: number, events: eventsByLine.get(number) }).toEqual({ line: number, events: [] });
  });

  it(`line ${RECONNECT_LINE} (RECONNECT): reconnects and rejoins every channel`, async () => {
    const before = fake.connectionCount();
    fake.inject(lines[RECONNECT_LINE - 1] ?? '');
    await eventually(
      () => fake.connectionCount() === before + 1 && running.adapter.state().status === 'online',
    );
    await eventually(() => channels.every((channel) => fake.joinedChannels().includes(channel)));
    expect(running.statuses.slice(-2)).toEqual(['reconnecting', 'online']);
    await handled('after-reconnect');
  });

  it(`line ${AUTH_NOTICE_LINE} (NOTICE * auth): treated as a refused login, offline, not retried`, async () => {
    const before = fake.connectionCount();
    fake.inject(lines[AUTH_NOTICE_LINE - 1] ?? '');
    await eventually(() => running.adapter.state().status === 'offline');
    expect(running.adapter.state().error).toMatch(/login failed.*Improperly formatted auth/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.connectionCount()).toBe(before);
  });
});

describe('twitch adapter: mentions, self and mass gifts through the fake', () => {
  let fake: FakeTwitch;
  let running: Running;
  beforeAll(async () => {
    fake = await startFakeTwitch();
    running = await startAdapter(fake, fakeConfig(fake));
  });
  afterAll(async () => {
    await running.adapter.stop();
    await fake.close();
  });
  const ingested = (id: string): Promise<ChatEvent> =>
    eventually(() => running.host.events.find((event) => event.id === `twitch:${id}`));

  it('registers its login as a bot name', () => {
    expect(running.host.botNames).toEqual([BOT]);
  });

  it('marks @mentions and name mentions, not substrings', async () => {
    fake.inject(viewerLine('mychan', 'm1', 'hey @ChatGateBot how are you'));
    fake.inject(viewerLine('mychan', 'm2', 'chatgatebot, what time is it?'));
    fake.inject(viewerLine('mychan', 'm3', 'chatgatebots are everywhere'));
    expect((await ingested('m1')).mentionsBot).toBe(true);
    expect((await ingested('m2')).mentionsBot).toBe(true);
    expect((await ingested('m3')).mentionsBot).toBe(false);
  });

  it('marks a reply to the bot as mentioning it, with replyTo.isBot', async () => {
    const parent =
      ';reply-parent-msg-id=p-1;reply-parent-user-id=55;reply-parent-user-login=chatgatebot;reply-parent-msg-body=hi';
    fake.inject(viewerLine('mychan', 'r1', '@ChatgateBot thanks', parent));
    const event = await ingested('r1');
    expect(event.replyTo).toEqual({ messageId: 'p-1', userId: '55', isBot: true });
    expect(event.mentionsBot).toBe(true);
  });

  it('marks its own messages as from a bot', async () => {
    fake.inject(viewerLine('mychan', 's1', 'hello').replace(/viewer!viewer@viewer/, `${BOT}!${BOT}@${BOT}`));
    expect((await ingested('s1')).user).toMatchObject({ login: BOT, isBot: true });
  });

  it('emits a mass gift once and holds back its own subgifts, not a lone one', async () => {
    const mystery =
      '@badges=;display-name=Gifter;id=mg-1;login=gifter;msg-id=submysterygift;msg-param-mass-gift-count=3;msg-param-community-gift-id=777;msg-param-origin-id=ab\\scd;room-id=5;user-id=9 :tmi.twitch.tv USERNOTICE #mychan';
    const gift = (id: string, origin: string): string =>
      `@badges=;display-name=Gifter;id=${id};login=gifter;msg-id=subgift;msg-param-recipient-display-name=R${id};msg-param-origin-id=${origin};room-id=5;user-id=9 :tmi.twitch.tv USERNOTICE #mychan`;
    fake.inject(mystery);
    for (const id of ['g-1', 'g-2', 'g-3']) fake.inject(gift(id, 'ab\\scd'));
    fake.inject(gift('g-lone', 'other'));
    expect(await ingested('g-lone')).toMatchObject({ type: 'subgift', meta: { recipient: 'Rg-lone' } });
    const gifts = running.host.events.filter(
      (event) => event.type === 'subgift' || event.type === 'submysterygift',
    );
    expect(gifts.map((event) => event.id)).toEqual(['twitch:mg-1', 'twitch:g-lone']);
    expect(gifts[0]?.meta.giftCount).toBe(3);
  });
});
