/**
 * Wiring for the EventSub adapter's tests: settings pointing at the fake Helix + EventSub server, a
 * started adapter on a recording host whose log lines are kept, and the fake's broadcasters.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { TwitchAdapter } from '../../../../adapters/twitch/adapter.js';
import {
  type ChatSendStats,
  createEventSubAdapter,
  type EventSubAdapterOptions,
  type EventSubSettings,
} from '../../../../adapters/twitch/eventsub/adapter.js';
import type { AdapterStatus } from '../../../../src/core/adapter.js';
import type { FakeTwitchHelix } from '../../../fakes/fake-twitch-helix.js';
import { waitFor } from '../../../support/wait-for.js';
import { type RecordingHost, recordingHost } from '../harness.js';

/** The channel the tests read and answer in, and its broadcaster id in the fake. */
export const CHANNEL = { id: '1001', login: 'mychan' } as const;
export const OTHER_CHANNEL = { id: '1002', login: 'otherchan' } as const;
/**
 * The subscriptions the bot's own token gets for a channel where it does not moderate: chat, chat
 * notifications, deleted messages and cleared users (`channel.ban` needs a moderator seat).
 */
export const BOT_SUBSCRIPTIONS = [
  'channel.chat.clear_user_messages',
  'channel.chat.message',
  'channel.chat.message_delete',
  'channel.chat.notification',
] as const;

/** Users the fake knows besides the bot. */
export const FAKE_USERS = { [CHANNEL.login]: CHANNEL.id, [OTHER_CHANNEL.login]: OTHER_CHANNEL.id };

/**
 * The environment that starts chatgate's EventSub transport against `fake` in `CHANNEL`: the
 * variables an operator sets (issue 16), the three URLs pointing at the fake.
 */
export function eventSubEnv(fake: FakeTwitchHelix): Record<string, string> {
  return {
    TWITCH_CLIENT_ID: fake.clientId,
    TWITCH_CLIENT_SECRET: fake.clientSecret,
    TWITCH_BOT_USER_ID: fake.bot.id,
    TWITCH_REFRESH_TOKEN: fake.refreshToken,
    TWITCH_CHANNELS: CHANNEL.login,
    TWITCH_API_URL: fake.apiUrl,
    TWITCH_AUTH_URL: fake.authUrl,
    TWITCH_EVENTSUB_WS_URL: fake.wsUrl,
  };
}

/** Settings for the EventSub adapter on `fake`. */
export function eventSubSettings(
  fake: FakeTwitchHelix,
  overrides: Partial<EventSubSettings> = {},
): EventSubSettings {
  return {
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    botUserId: fake.bot.id,
    refreshToken: fake.refreshToken,
    apiUrl: fake.apiUrl,
    authUrl: fake.authUrl,
    eventsubWsUrl: fake.wsUrl,
    channels: [CHANNEL.login],
    knownBots: ['nightbot'],
    maxReplyParts: 2,
    ...overrides,
  };
}

/** A started EventSub adapter, its host, its log lines (parsed JSON) and its statuses. */
export interface RunningEventSub {
  adapter: TwitchAdapter & { chatSendStats(): ChatSendStats };
  host: RecordingHost;
  logs: Array<Record<string, unknown>>;
  statuses: AdapterStatus[];
}

/**
 * Starts the adapter on `fake` and, unless `expectOnline` is false, waits until it is online with
 * its channels subscribed.
 */
export async function startEventSub(
  fake: FakeTwitchHelix,
  settings: EventSubSettings = eventSubSettings(fake),
  options: EventSubAdapterOptions = {},
  expectOnline = true,
): Promise<RunningEventSub> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line));
      done();
    },
  });
  const host = { ...recordingHost(), logger: pino({ level: 'debug' }, sink) };
  const statuses: AdapterStatus[] = [];
  const adapter = createEventSubAdapter(settings, {
    backoff: { initialMs: 20, maxMs: 200 },
    stopGraceMs: 200,
    ...options,
    onStatus: (state) => {
      statuses.push(state.status);
      options.onStatus?.(state);
    },
  });
  await adapter.start(host);
  if (expectOnline) {
    await waitFor(() => adapter.state().status === 'online', 5_000, 'the adapter online');
  }
  return { adapter, host: host as RecordingHost, logs, statuses };
}

/** The log lines whose message contains `text`. */
export function logged(running: RunningEventSub, text: string): Array<Record<string, unknown>> {
  return running.logs.filter((line) => typeof line.msg === 'string' && line.msg.includes(text));
}
