/**
 * A fake Discord on loopback, from Discord's developer docs: REST (node:http) and the gateway
 * WebSocket (ws) on one port; enough for discord.js 14 to log in, receive, reply, resume, reconnect.
 *
 * REST (https://discord.com/developers/docs/reference) under `/api/v10` or `/v10`: `GET /gateway/bot`
 * (the fake's ws URL, `shards`, `session_start_limit`), `GET /users/@me`, `POST /channels/:id/messages`
 * (recorded; answers a message object and, like Discord, echoes it as MESSAGE_CREATE),
 * `PATCH /channels/:id/messages/:id` (https://discord.com/developers/docs/resources/message#edit-message:
 * our own message's `content` replaced, `edited_timestamp` set, echoed as MESSAGE_UPDATE; an
 * unknown message is 404 code 10008, another author's 403 code 50005),
 * `DELETE /channels/:id/messages/:id` (204, echoed as MESSAGE_DELETE), content over 2,000
 * characters refused with 400 code 50035,
 * `POST /channels/:id/typing` (204). A wrong `Authorization: Bot <token>` gets 401.
 *
 * Gateway (https://discord.com/developers/docs/events/gateway): Hello (op 10, `heartbeat_interval`);
 * Identify (op 2; a wrong token closes with 4004 Authentication failed) → READY (guilds unavailable,
 * `session_id`, `resume_gateway_url`), then GUILD_CREATE per guild; Heartbeat (op 1) → ACK (op 11);
 * Resume (op 6) → RESUMED, or Invalid Session (op 9) for an unknown session. Plain JSON text frames.
 * Moderation (`banAdd`, `deleteMessage`, `deleteMessages`, `updateMember`) is dispatched only when
 * the session identified with the intent Discord requires for it
 * (https://discord.com/developers/docs/events/gateway#list-of-intents).
 *
 * @example
 * const fake = await startFakeDiscord({ token: 't', user: { id: '1', username: 'bot' } });
 * fake.dispatch('MESSAGE_CREATE', { ... }); // then fake.requests, fake.received; await fake.close()
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** A guild the fake announces with GUILD_CREATE after READY; @everyone has no permissions. */
export interface FakeGuild {
  id: string;
  /** The owner's user id (`owner_id`); by default '1', nobody the tests use. */
  ownerId?: string;
  systemChannelId?: string;
  /** Text channels (type 0) unless `type` says otherwise; threads (10, 11, 12) need `parentId`. */
  channels?: { id: string; type?: number; name?: string; parentId?: string }[];
  roles?: FakeRole[];
}

/** A guild role; `botId` makes it a bot's managed role (`tags.bot_id`). */
export interface FakeRole {
  id: string;
  name?: string;
  permissions?: string;
  botId?: string;
}

export interface FakeDiscordOptions {
  /** The only token accepted on REST and in Identify. */
  token: string;
  /** The bot user READY and `/users/@me` describe. */
  user: { id: string; username: string; bot?: boolean; global_name?: string | null };
  guilds?: FakeGuild[];
  /** Hello's `heartbeat_interval`, ms; Discord's is about 41 250. */
  heartbeatIntervalMs?: number;
  /** Check REST `Authorization` (default true); off to reach the gateway with a wrong token. */
  restAuth?: boolean;
}

/** One REST call as the fake saw it, without its headers (they carry the token). */
export interface RecordedRequest {
  method: string;
  path: string;
  body?: unknown;
  /** When it arrived, ms since the epoch. */
  at: number;
}

/** A gateway payload (https://discord.com/developers/docs/events/gateway-events#payload-structure). */
export interface GatewayPayload {
  op: number;
  d?: unknown;
  s?: number | null;
  t?: string | null;
}

export interface FakeDiscord {
  /** The REST base to give discord.js (`rest.api`), e.g. `http://127.0.0.1:1234/api`. */
  apiUrl: string;
  gatewayUrl: string;
  requests: RecordedRequest[];
  /** Everything clients sent over the gateway, in order. */
  received: GatewayPayload[];
  /** The query string of every gateway connection (`v=10&encoding=json`). */
  connections: string[];
  /** Sends a dispatch (op 0) with the next sequence number; returns that `s`. */
  dispatch(t: string, d: unknown): number;
  /** The intents of the last Identify (0 before one). */
  intents(): number;
  /**
   * GUILD_BAN_ADD `{ guild_id, user }` (needs GUILD_MODERATION, 1 << 2). Returns whether it was
   * dispatched (the session asked for the intent).
   */
  banAdd(guildId: string, user: Record<string, unknown>): boolean;
  /** MESSAGE_DELETE `{ id, channel_id, guild_id? }` (GUILD_MESSAGES 1 << 9, or DIRECT_MESSAGES 1 << 12 without a guild). */
  deleteMessage(message: { id: string; channelId: string; guildId?: string }): boolean;
  /** MESSAGE_DELETE_BULK `{ ids, channel_id, guild_id }` (GUILD_MESSAGES; bulk deletes happen only in guilds). */
  deleteMessages(messages: { ids: string[]; channelId: string; guildId: string }): boolean;
  /**
   * GUILD_MEMBER_UPDATE `{ guild_id, roles, user, joined_at, communication_disabled_until, … }`
   * (needs GUILD_MEMBERS, 1 << 1, privileged). `until` is the timeout's end as ISO 8601, or null.
   */
  updateMember(
    guildId: string,
    member: { user: Record<string, unknown>; roles?: string[]; until: string | null },
  ): boolean;
  /** Sends any payload verbatim (a corpus record, an op 9 …) on the live connection. */
  send(payload: GatewayPayload): void;
  /** Closes the live connection from the server side (4000 Unknown error: resumable). */
  closeSocket(code?: number): void;
  /** The messages posted through REST, by id, as they are now (edits applied; deleted ones removed). */
  messages: Map<string, { channel_id: string; content: string; author: { id: string } }>;
  /** The next `count` REST calls answer `status` (429 with Discord's rate-limit headers and body). */
  failNext(count: number, status: number, retryAfterMs?: number): void;
  close(): Promise<void>;
}

/** What the fake answers a REST call with; `echo` is then dispatched as MESSAGE_CREATE. */
interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Dispatched as MESSAGE_CREATE, or as `echoAs`. */
  echo?: unknown;
  echoAs?: string;
}

/** Starts the fake on 127.0.0.1 and an ephemeral port. */
export async function startFakeDiscord(options: FakeDiscordOptions): Promise<FakeDiscord> {
  const guilds = options.guilds ?? [];
  const bot = { bot: true, discriminator: '0', avatar: null, global_name: null, ...options.user };
  const requests: RecordedRequest[] = [];
  const received: GatewayPayload[] = [];
  const connections: string[] = [];
  const failures: { status: number; retryAfterMs: number }[] = [];
  type StoredMessage = Record<string, unknown> & {
    id: string;
    channel_id: string;
    guild_id?: string;
    content: string;
    author: { id: string };
  };
  const messages = new Map<string, StoredMessage>();
  let live: WebSocket | undefined;
  let intents = 0;
  let session = { id: '', seq: 0, number: 0 };
  let messageId = 1_000_000_000_000_000_000n;

  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const reply = answer(req, text === '' ? undefined : (JSON.parse(text) as unknown));
    const body = reply.body === undefined ? undefined : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(body);
    // Like Discord, a message we were sent comes back over the gateway.
    if (reply.echo && live) fake.dispatch(reply.echoAs ?? 'MESSAGE_CREATE', reply.echo);
  });

  function answer(req: IncomingMessage, body: unknown): Answer {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const method = req.method ?? 'GET';
    requests.push({ method, path, body, at: Date.now() });
    const failure = failures.shift();
    if (failure?.status === 429) {
      const seconds = String(failure.retryAfterMs / 1000);
      // https://discord.com/developers/docs/topics/rate-limits#header-format
      const headers = {
        'retry-after': String(Math.ceil(failure.retryAfterMs / 1000)),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': seconds,
        'x-ratelimit-bucket': 'fake',
        'x-ratelimit-scope': 'user',
      };
      const limited = { message: 'You are being rate limited.', retry_after: Number(seconds), global: false };
      return { status: 429, headers, body: limited };
    }
    if (failure) return { status: failure.status, body: { message: 'Fake failure', code: 0 } };
    if (options.restAuth !== false && req.headers.authorization !== `Bot ${options.token}`) {
      return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
    }
    // Ids are read after the version prefix (the 10 of /v10 is no id).
    const bare = path.replace(/^(?:\/api)?\/v10/, '');
    const route = `${method} ${bare.replace(/\d{2,}/g, ':id')}`;
    const [id = '', targetId = ''] = [...bare.matchAll(/\d{2,}/g)].map((found) => found[0]);
    const content = (body as { content?: unknown } | undefined)?.content;
    if (typeof content === 'string' && content.length > 2000) {
      const errors = {
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      };
      return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors } };
    }
    const channels = guilds.flatMap((g) => channelsOf(g));
    switch (route) {
      case 'GET /gateway/bot': {
        const limit = { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 };
        return { status: 200, body: { url: fake.gatewayUrl, shards: 1, session_start_limit: limit } };
      }
      case 'GET /users/@me':
        return { status: 200, body: bot };
      case 'POST /channels/:id/typing':
        return { status: 204 };
      case 'POST /channels/:id/messages': {
        messageId++;
        const sent = body as { content?: string; message_reference?: { message_id?: string } };
        const reference = sent.message_reference && { ...sent.message_reference, channel_id: id };
        const message = {
          ...EMPTY_MESSAGE,
          id: String(messageId),
          type: reference ? 19 : 0,
          channel_id: id,
          guild_id: channels.find((c) => c.id === id)?.guild_id as string | undefined,
          author: bot,
          content: sent.content ?? '',
          timestamp: new Date().toISOString(),
          ...(reference && { message_reference: reference }),
        };
        messages.set(message.id, message);
        return { status: 200, body: message, echo: message };
      }
      case 'PATCH /channels/:id/messages/:id': {
        const message = messages.get(targetId);
        if (!message || message.channel_id !== id) {
          return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
        }
        if (message.author.id !== bot.id) {
          return {
            status: 403,
            body: { message: 'Cannot edit a message authored by another user', code: 50005 },
          };
        }
        if (typeof content === 'string') message.content = content;
        const edited = { ...message, edited_timestamp: new Date().toISOString() };
        messages.set(targetId, edited);
        return { status: 200, body: edited, echo: edited, echoAs: 'MESSAGE_UPDATE' };
      }
      case 'DELETE /channels/:id/messages/:id': {
        const message = messages.get(targetId);
        if (!message || message.channel_id !== id) {
          return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
        }
        messages.delete(targetId);
        const deleted = {
          id: targetId,
          channel_id: id,
          ...(message.guild_id && { guild_id: message.guild_id }),
        };
        return { status: 204, echo: deleted, echoAs: 'MESSAGE_DELETE' };
      }
      default:
        return { status: 404, body: { message: '404: Not Found', code: 0 } };
    }
  }

  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    connections.push((req.url ?? '').split('?')[1] ?? '');
    live = socket;
    const hello = { heartbeat_interval: options.heartbeatIntervalMs ?? 41_250 };
    socket.send(JSON.stringify({ op: 10, d: hello, s: null, t: null }));
    socket.on('message', (data) => {
      const payload = JSON.parse(String(data)) as GatewayPayload;
      received.push(payload);
      const d = (payload.d ?? {}) as { token?: string; session_id?: string; intents?: unknown };
      if (payload.op === 1) socket.send(JSON.stringify({ op: 11 }));
      if (payload.op === 2) identify(socket, d.token, d.intents);
      if (payload.op === 6) {
        if (d.token === options.token && d.session_id === session.id) fake.dispatch('RESUMED', {});
        else socket.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
      }
    });
  });

  function identify(socket: WebSocket, token: string | undefined, asked: unknown): void {
    if (token !== options.token) {
      socket.close(4004, 'Authentication failed.');
      return;
    }
    intents = typeof asked === 'number' ? asked : 0;
    session = { id: `fake-session-${session.number + 1}`, seq: 0, number: session.number + 1 };
    fake.dispatch('READY', {
      v: 10,
      user: bot,
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: fake.gatewayUrl,
      application: { id: bot.id, flags: 0 },
    });
    for (const guild of guilds) fake.dispatch('GUILD_CREATE', guildCreate(guild));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeDiscord = {
    apiUrl: `http://127.0.0.1:${port}/api`,
    gatewayUrl: `ws://127.0.0.1:${port}/gateway`,
    requests,
    messages,
    received,
    connections,
    dispatch(t, d) {
      session.seq++;
      fake.send({ op: 0, t, s: session.seq, d });
      return session.seq;
    },
    intents: () => intents,
    banAdd(guildId, user) {
      return dispatchWith(INTENTS.GuildModeration, 'GUILD_BAN_ADD', { guild_id: guildId, user });
    },
    deleteMessage({ id, channelId, guildId }) {
      const d = { id, channel_id: channelId, ...(guildId && { guild_id: guildId }) };
      return dispatchWith(guildId ? INTENTS.GuildMessages : INTENTS.DirectMessages, 'MESSAGE_DELETE', d);
    },
    deleteMessages({ ids, channelId, guildId }) {
      const d = { ids, channel_id: channelId, guild_id: guildId };
      return dispatchWith(INTENTS.GuildMessages, 'MESSAGE_DELETE_BULK', d);
    },
    updateMember(guildId, { user, roles, until }) {
      const member = {
        guild_id: guildId,
        roles: roles ?? [],
        user,
        nick: null,
        avatar: null,
        joined_at: '2024-01-01T00:00:00.000000+00:00',
        deaf: false,
        mute: false,
        flags: 0,
        pending: false,
        communication_disabled_until: until,
      };
      return dispatchWith(INTENTS.GuildMembers, 'GUILD_MEMBER_UPDATE', member);
    },
    send(payload) {
      if (!live) throw new Error('fake-discord: no gateway connection');
      live.send(JSON.stringify(payload));
    },
    closeSocket(code = 4000) {
      live?.close(code, 'closed by the test');
    },
    failNext(count, status, retryAfterMs = 50) {
      for (let i = 0; i < count; i++) failures.push({ status, retryAfterMs });
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  /** Dispatches `t` when the session asked for `intent`, as Discord does; returns whether it did. */
  function dispatchWith(intent: number, t: string, d: unknown): boolean {
    if ((intents & intent) === 0) return false;
    fake.dispatch(t, d);
    return true;
  }
  return fake;
}

/** Gateway intent bits: https://discord.com/developers/docs/events/gateway#list-of-intents */
const INTENTS = {
  GuildMembers: 1 << 1,
  GuildModeration: 1 << 2,
  GuildMessages: 1 << 9,
  DirectMessages: 1 << 12,
} as const;

/** The fields of a message object we have nothing to put in. */
const EMPTY_MESSAGE = {
  ...{ edited_timestamp: null, tts: false, mention_everyone: false, pinned: false, flags: 0 },
  ...{ mentions: [], mention_roles: [], attachments: [], embeds: [], components: [] },
};

/** GUILD_CREATE's lists the fake leaves empty. */
const EMPTY_GUILD_LISTS = 'features emojis stickers members presences voice_states stage_instances'.split(
  ' ',
);

/** Announcement, public and private threads: https://discord.com/developers/docs/resources/channel#channel-object-channel-types */
const THREAD_TYPES: ReadonlySet<number> = new Set([10, 11, 12]);

/** Channels and threads of a guild as Discord's channel objects. */
function channelsOf(guild: FakeGuild): Record<string, unknown>[] {
  return (guild.channels ?? []).map((c, position) => ({
    id: c.id,
    type: c.type ?? 0,
    guild_id: guild.id,
    name: c.name ?? `channel-${position}`,
    position,
    permission_overwrites: [],
    ...(c.parentId && { parent_id: c.parentId }),
    ...(THREAD_TYPES.has(c.type ?? 0) && { thread_metadata: { archived: false, locked: false } }),
  }));
}

/** GUILD_CREATE's `d`: https://discord.com/developers/docs/events/gateway-events#guild-create */
function guildCreate(guild: FakeGuild): Record<string, unknown> {
  const everyone = { id: guild.id, name: '@everyone', permissions: '0' };
  const roles = [everyone, ...(guild.roles ?? [])].map(({ botId, ...role }: FakeRole, position) => ({
    name: `role-${position}`,
    permissions: '0',
    position,
    color: 0,
    hoist: false,
    managed: botId !== undefined,
    mentionable: false,
    ...role,
    ...(botId !== undefined && { tags: { bot_id: botId } }),
  }));
  const channels = channelsOf(guild);
  return {
    id: guild.id,
    name: `guild ${guild.id}`,
    owner_id: guild.ownerId ?? '1',
    system_channel_id: guild.systemChannelId ?? null,
    unavailable: false,
    large: false,
    member_count: 2,
    joined_at: '2020-01-01T00:00:00.000000+00:00',
    roles,
    channels: channels.filter((c) => !THREAD_TYPES.has(c.type as number)),
    threads: channels.filter((c) => THREAD_TYPES.has(c.type as number)),
    ...Object.fromEntries(EMPTY_GUILD_LISTS.map((key) => [key, []])),
  };
}
