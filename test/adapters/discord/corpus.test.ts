/**
 * The 14 real gateway dispatches of ../shared/corpus/discord-events.jsonl (gateway v6 to v10), sent
 * verbatim by the fake gateway through real discord.js, then normalized (or rightly dropped).
 * Each group runs a session whose READY names the bot user of that capture (corpus README).
 * The fake adds only what the gateway itself would have sent: GUILD_CREATE for the guilds, and the
 * CHANNEL_CREATE that preceded the v6 DM in its capture.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformAdapter } from '../../../src/core/adapter.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import {
  type FakeDiscord,
  type FakeGuild,
  type GatewayPayload,
  startFakeDiscord,
} from '../../fakes/fake-discord.js';
import { describeNeeding } from '../../support/requirements.js';
import { type RecordingHost, recordingHost, settle, startAdapter, TOKEN } from './support.js';

const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus/discord-events.jsonl');
const present = existsSync(CORPUS);
const records: GatewayPayload[] = present
  ? readFileSync(CORPUS, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as GatewayPayload)
  : [];

type Expected = Partial<ChatEvent> | undefined;

const wh = { id: '466443389873815553', login: 'wh', displayName: 'wh', isBot: false, roles: [] };
const at = { id: '161098476632014848', login: 'at0232', displayName: 'AT', isBot: false, roles: [] };
const shardsnapGuild = { communityId: 'discord:guild:725220905646555146', channelId: '725220905646555149' };
const atChat = { communityId: 'discord:guild:705745250815311942', channelId: '1072828564317159465' };
const plain = {
  platform: 'discord',
  type: 'message',
  isDirect: false,
  mentionsBot: false,
  meta: {},
} as const;

interface Group {
  name: string;
  bot: { id: string; username: string; bot: boolean };
  guilds: FakeGuild[];
  greetings?: boolean;
  /** What the gateway sent before the records in the original capture. */
  before?: (fake: FakeDiscord) => void;
  /** Record number (1-based line) → the event it must give, or `undefined` for none. */
  expected: Record<number, Expected>;
}

const groups: Group[] = [
  {
    name: 'shardsnap (gateway v6, 2020)',
    bot: { id: '725161345627979808', username: 'DC Chartreuse', bot: true },
    guilds: [{ id: '725220905646555146', channels: [{ id: '725220905646555149' }] }],
    before: (fake) =>
      fake.dispatch('CHANNEL_CREATE', {
        id: '725222856266481664',
        type: 1,
        last_message_id: null,
        recipients: [{ username: 'wh', id: '466443389873815553', discriminator: '9692', avatar: null }],
      }),
    expected: {
      1: { ...plain, ...shardsnapGuild, id: 'discord:726610769499783251', text: 'd', user: wh },
      2: {
        ...plain,
        ...shardsnapGuild,
        id: 'discord:726610870989488188',
        text: 'e',
        mentionsBot: true,
        user: wh,
      },
      3: {
        ...plain,
        id: 'discord:726610959228993628',
        communityId: 'discord:dm:725222856266481664',
        channelId: '725222856266481664',
        isDirect: true,
        text: 'f',
        user: wh,
      },
      4: { ...plain, ...shardsnapGuild, id: 'discord:726612233945350224', text: 'cookout who', user: wh },
      5: undefined, // an edit
    },
  },
  {
    name: 'disgord (gateway v8, 2019)',
    bot: { id: '4868322111192069632', username: 'Disgord tester', bot: true },
    guilds: [{ id: '486833041486905345', channels: [{ id: '486833041486905347' }] }],
    expected: {
      6: {
        ...plain,
        id: 'discord:530091138355429404',
        communityId: 'discord:guild:486833041486905345',
        channelId: '486833041486905347',
        text: 'sdfdf',
        user: { id: '228846961774559232', login: 'Anders', displayName: 'Anders', isBot: false, roles: [] },
      },
    },
  },
  {
    name: 'at-chat (gateway v10, 2026)',
    bot: { id: '184437096813953035', username: 'at28727', bot: false },
    guilds: [{ id: '705745250815311942', channels: [{ id: '1072828564317159465' }] }],
    expected: {
      7: undefined, // webhook
      8: {
        ...plain,
        ...atChat,
        id: 'discord:1492875574455042168',
        text: '',
        meta: { attachments: 1 },
        user: at,
      },
      9: {
        ...plain,
        ...atChat,
        id: 'discord:1491219932673740970',
        text: 'Message with text and sticker!',
        meta: { stickers: 1 },
        user: at,
      },
      10: undefined, // a forward
      11: undefined, // thread starter message (type 21), though it mentions the bot's user
      12: undefined, // thread created (type 18)
    },
  },
  {
    name: 'member joins (gateway v6 and v10)',
    bot: { id: '100000000000000042', username: 'chatgate', bot: true },
    guilds: [
      {
        id: '1132079436691415120',
        systemChannelId: '1132079436691415121',
        channels: [{ id: '1132079436691415121' }],
      },
      {
        id: '244567637332328449',
        systemChannelId: '244567637332328450',
        channels: [{ id: '244567637332328450' }],
      },
    ],
    greetings: true,
    expected: {
      13: {
        platform: 'discord',
        type: 'member_join',
        id: `discord:member_join:1132079436691415120:760910136960745493:${Date.parse('2024-04-09T04:00:26.288Z')}`,
        communityId: 'discord:guild:1132079436691415120',
        channelId: '1132079436691415121',
        text: '',
        user: {
          id: '760910136960745493',
          login: 'tiksantesting',
          displayName: 'tiksantesting',
          isBot: false,
          roles: [],
        },
      },
      14: {
        type: 'member_join',
        communityId: 'discord:guild:244567637332328449',
        channelId: '244567637332328450',
        user: {
          id: '249608457672458240',
          login: 'Oguri Cap',
          displayName: 'Oguri Cap',
          isBot: true,
          roles: [],
        },
      },
    },
  },
];

describeNeeding(['corpus'], 'Discord corpus', () => {
  it('has the 14 records the groups cover', () => {
    expect(records).toHaveLength(14);
    expect(groups.flatMap((g) => Object.keys(g.expected)).map(Number)).toEqual(records.map((_r, i) => i + 1));
  });

  for (const group of groups) {
    describe(group.name, () => {
      let fake: FakeDiscord;
      let host: RecordingHost;
      let adapter: PlatformAdapter;
      const home = {
        guildId: group.guilds[0]?.id ?? '',
        channelId: group.guilds[0]?.channels?.[0]?.id ?? '',
      };

      beforeAll(async () => {
        fake = await startFakeDiscord({ token: TOKEN, user: group.bot, guilds: group.guilds });
        host = recordingHost();
        adapter = await startAdapter(fake, host, { memberJoinGreetings: group.greetings ?? false });
        group.before?.(fake);
      });
      afterAll(async () => {
        await adapter.stop();
        await fake.close();
      });

      for (const [number, expected] of Object.entries(group.expected)) {
        const record = records[Number(number) - 1];
        it(`record ${number} (${record?.t}) ${expected ? `→ ${expected.type}` : 'gives no event'}`, async () => {
          if (!record) throw new Error(`record ${number} is missing from the corpus`);
          const from = host.events.length;
          fake.send(record);
          const events = await settle(fake, host, home, from);
          if (expected === undefined) {
            expect(events).toEqual([]);
            return;
          }
          expect(events).toHaveLength(1);
          const [event] = events;
          expect(event).toMatchObject(expected);
          expect(event?.threadId).toBeUndefined();
          expect(event?.replyTo).toBeUndefined();
          expect(event?.raw).toBeDefined();
        });
      }

      it('logged no client or gateway error, and learned the bot name', () => {
        expect(host.logs.filter((line) => /client error|gateway connection error/.test(line))).toEqual([]);
        expect(host.names).toContain(group.bot.username);
      });
    });
  }
});
