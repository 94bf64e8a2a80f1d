/**
 * Test wiring for the Twitch adapter: a config pointing at the fake server, a host that records
 * what the adapter ingests, and a helper that starts the adapter and waits until it is in its
 * channels. Shared by the adapter's end-to-end test files.
 */
import pino from 'pino';
import {
  createTwitchAdapter,
  type TwitchAdapter,
  type TwitchAdapterOptions,
  type TwitchConfig,
} from '../../../adapters/twitch/adapter.js';
import type { AdapterHost, AdapterStatus, IngestAck, PlatformModeration } from '../../../src/core/adapter.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import type { FakeTwitch } from '../../fakes/fake-twitch.js';
import { waitFor } from '../../support/wait-for.js';

export { ManualClock } from '../../support/manual-clock.js';

/** The bot's login in these tests. */
export const BOT = 'chatgatebot';
/** The token the fake accepts by default. */
export const GOOD_TOKEN = 'oauth:faketoken';

/** A Twitch config that points at `fake` over plain ws. */
export function fakeConfig(fake: FakeTwitch, overrides: Partial<TwitchConfig> = {}): TwitchConfig {
  return {
    username: BOT,
    oauthToken: GOOD_TOKEN,
    channels: ['mychan'],
    server: '127.0.0.1',
    port: fake.port,
    secure: false,
    knownBots: ['nightbot', 'streamelements', 'moobot', 'streamlabs', 'fossabot'],
    maxReplyParts: 2,
    watchdogMs: 600_000,
    ...overrides,
  };
}

/** An AdapterHost that records events, bot names and every status change. */
export interface RecordingHost extends AdapterHost {
  events: ChatEvent[];
  botNames: string[];
  /** Moderation actions the adapter reported, in order. */
  moderations: PlatformModeration[];
}

export function recordingHost(): RecordingHost {
  const events: ChatEvent[] = [];
  const botNames: string[] = [];
  const moderations: PlatformModeration[] = [];
  return {
    events,
    botNames,
    moderations,
    moderated: async (action) => void moderations.push(action),
    ingest: async (event): Promise<IngestAck> => {
      events.push(event);
      return { status: 'queued', interactionId: event.id };
    },
    recordHandled: async (_event, reason) => ({ status: 'ignored', reason, interactionId: 'handled' }),
    resetContext: async () => {},
    addBotName: (name) => void botNames.push(name),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  };
}

/** A started adapter, its host and the statuses it went through. */
export interface Running {
  adapter: TwitchAdapter;
  host: RecordingHost;
  statuses: AdapterStatus[];
}

/**
 * Creates the adapter on `config`, starts it and waits until the fake sees it in every configured
 * channel (unless the login is expected to fail).
 */
export async function startAdapter(
  fake: FakeTwitch,
  config: TwitchConfig,
  options: TwitchAdapterOptions = {},
  expectJoined = true,
): Promise<Running> {
  const statuses: AdapterStatus[] = [];
  const adapter = createTwitchAdapter(config, {
    reconnectIntervalMs: 50,
    stopGraceMs: 200,
    ...options,
    onStatus: (state) => {
      statuses.push(state.status);
      options.onStatus?.(state);
    },
  });
  if (!adapter) throw new Error('createTwitchAdapter returned undefined');
  const host = recordingHost();
  await adapter.start(host);
  if (expectJoined) await waitJoined(fake, config.channels);
  return { adapter, host, statuses };
}

/** Waits until the fake has every channel joined on a live connection. */
export async function waitJoined(
  fake: FakeTwitch,
  channels: readonly string[],
  timeoutMs = 5_000,
): Promise<void> {
  const logins = channels.map((channel) => channel.replace(/^#/, '').toLowerCase());
  await waitFor(() => logins.every((login) => fake.joinedChannels().includes(login)), timeoutMs);
}

/** A viewer's PRIVMSG line in `channel`, threaded under nothing. */
export function viewerLine(channel: string, id: string, text: string, extraTags = ''): string {
  const tags = `@badge-info=;badges=;color=;display-name=Viewer;emotes=;id=${id};mod=0;room-id=${roomIdFor(channel)};subscriber=0;tmi-sent-ts=1700000000000;user-id=4242;user-type=${extraTags}`;
  return `${tags} :viewer!viewer@viewer.tmi.twitch.tv PRIVMSG #${channel} :${text}`;
}

/** The room id the tests use for a channel in hand-written lines. */
export function roomIdFor(channel: string): string {
  return `7${channel.length}0${channel.charCodeAt(0)}`;
}

/** The shared `waitFor` under the name the corpus test knows it by. */
export { waitFor as eventually } from '../../support/wait-for.js';
