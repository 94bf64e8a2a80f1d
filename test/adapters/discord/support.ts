/**
 * Shared pieces of the Discord adapter tests: a host that records what the adapter hands in (and
 * every log line), a config pointing at the fake, a MESSAGE_CREATE builder, and a barrier that
 * proves discord.js has processed everything dispatched before it.
 */
import pino from 'pino';
import { expect } from 'vitest';
import type { DiscordAdapterOptions, DiscordConfig } from '../../../adapters/discord/adapter.js';
import { createDiscordAdapter } from '../../../adapters/discord/adapter.js';
import type { AdapterHost, PlatformAdapter, PlatformModeration } from '../../../src/core/adapter.js';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.js';
import { waitFor } from '../../support/wait-for.js';

export const TOKEN = 'fake-discord-token-0123456789';

/** An `AdapterHost` that keeps the events, bot names and log lines (JSON, debug and up). */
export interface RecordingHost extends AdapterHost {
  events: ChatEvent[];
  names: string[];
  logs: string[];
  /** Moderation actions the adapter reported, in order. */
  moderations: PlatformModeration[];
}

export function recordingHost(): RecordingHost {
  const events: ChatEvent[] = [];
  const names: string[] = [];
  const logs: string[] = [];
  const moderations: PlatformModeration[] = [];
  let sequence = 0;
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  return {
    events,
    names,
    logs,
    moderations,
    logger,
    async moderated(action) {
      moderations.push(action);
    },
    async ingest(event) {
      events.push(event);
      sequence++;
      return { status: 'queued', interactionId: `i${sequence}` };
    },
    async recordHandled(_event, reason) {
      return { status: 'ignored', reason, interactionId: 'handled' };
    },
    async resetContext() {},
    addBotName(name) {
      names.push(name);
    },
  };
}

/** `platforms.discord` pointed at `fake`. */
export function configFor(fake: FakeDiscord, overrides: Partial<DiscordConfig> = {}): DiscordConfig {
  return {
    token: TOKEN,
    apiUrl: fake.apiUrl,
    allowedChannels: [],
    allowedRoles: [],
    moderatorRoleIds: [],
    vipRoleIds: [],
    subscriberRoleIds: [],
    memberJoinGreetings: false,
    shards: 'single',
    ...overrides,
  };
}

/** Creates and starts the adapter against `fake`, and waits until it is online. */
export async function startAdapter(
  fake: FakeDiscord,
  host: RecordingHost,
  config: Partial<DiscordConfig> = {},
  options: DiscordAdapterOptions = {},
): Promise<PlatformAdapter> {
  const adapter = createDiscordAdapter(configFor(fake, config), options);
  if (!adapter) throw new Error('no adapter: the token is unset');
  await adapter.start(host);
  await waitFor(() => adapter.state().status === 'online' || undefined);
  return adapter;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let snowflake = 1_300_000_000_000_000_000n;

/** A fresh snowflake-shaped id. */
export function nextId(): string {
  snowflake++;
  return String(snowflake);
}

/** A user object as the gateway sends it. */
export function user(
  id: string,
  username: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { id, username, discriminator: '0', global_name: null, avatar: null, ...extra };
}

/**
 * A v10 MESSAGE_CREATE `d` (https://discord.com/developers/docs/events/gateway-events#message-create):
 * in a guild when `guild_id` is given (with the author's `member`), else a DM.
 */
export function messageCreate(fields: {
  channel_id: string;
  author: Record<string, unknown>;
  content: string;
  guild_id?: string;
  roles?: string[];
  nick?: string | null;
  [key: string]: unknown;
}): Record<string, unknown> {
  const { roles, nick, ...rest } = fields;
  return {
    id: nextId(),
    type: 0,
    tts: false,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    pinned: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    components: [],
    flags: 0,
    ...(fields.guild_id && {
      member: {
        roles: roles ?? [],
        nick: nick ?? null,
        joined_at: '2024-01-01T00:00:00.000000+00:00',
        deaf: false,
        mute: false,
      },
    }),
    ...rest,
  };
}

/**
 * Dispatches a marker message in `channelId` of `guildId` and waits until the adapter handed it in;
 * discord.js handles dispatches in order, so everything sent before has been processed. Returns
 * the events handed in since `from`, without the marker.
 */
export async function settle(
  fake: FakeDiscord,
  host: RecordingHost,
  where: { guildId: string; channelId: string; roles?: string[] },
  from = 0,
): Promise<ChatEvent[]> {
  const marker = messageCreate({
    guild_id: where.guildId,
    channel_id: where.channelId,
    roles: where.roles ?? [],
    author: user('999999999999999999', 'marker'),
    content: `marker ${nextId()}`,
  });
  fake.dispatch('MESSAGE_CREATE', marker);
  const at = await waitFor(() => {
    const index = host.events.findIndex((e) => e.messageId === marker.id);
    return index >= 0 ? index : undefined;
  });
  return host.events.slice(from, at);
}

/** Ids of the scripted guild the incoming and delivery tests talk in. */
export const SCENE = {
  bot: '500000000000000001',
  guild: '500000000000000100',
  channel: '500000000000000101',
  thread: '500000000000000102',
  dm: '500000000000000103',
  modRole: '500000000000000201',
  adminRole: '500000000000000202',
  botRole: '500000000000000203',
} as const;

/** A running fake guild with the adapter online in it. */
export interface Scene {
  fake: FakeDiscord;
  host: RecordingHost;
  adapter: PlatformAdapter;
  /** Dispatches `d` as MESSAGE_CREATE and returns the event it became (fails if none or several). */
  receive(d: Record<string, unknown>): Promise<ChatEvent>;
  close(): Promise<void>;
}

/**
 * The scripted guild: #general with a thread under it, a mods role (ManageMessages), an admins role
 * (Administrator) and the bot's managed role; the adapter started with `options`.
 */
export async function startScene(options: DiscordAdapterOptions = {}): Promise<Scene> {
  const fake = await startFakeDiscord({
    token: TOKEN,
    user: { id: SCENE.bot, username: 'chatgate', bot: true },
    guilds: [
      {
        id: SCENE.guild,
        channels: [
          { id: SCENE.channel, name: 'general' },
          { id: SCENE.thread, type: 11, name: 'a thread', parentId: SCENE.channel },
        ],
        roles: [
          { id: SCENE.modRole, name: 'mods', permissions: String(1n << 13n) }, // ManageMessages
          { id: SCENE.adminRole, name: 'admins', permissions: String(1n << 3n) }, // Administrator
          { id: SCENE.botRole, name: 'chatgate', botId: SCENE.bot },
        ],
      },
    ],
  });
  const host = recordingHost();
  const adapter = await startAdapter(fake, host, {}, options);
  const home = { guildId: SCENE.guild, channelId: SCENE.channel };
  return {
    fake,
    host,
    adapter,
    async receive(d) {
      const from = host.events.length;
      fake.dispatch('MESSAGE_CREATE', d);
      const events = await settle(fake, host, home, from);
      expect(events).toHaveLength(1);
      return events[0] as ChatEvent;
    },
    async close() {
      await adapter.stop();
      await fake.close();
    },
  };
}
