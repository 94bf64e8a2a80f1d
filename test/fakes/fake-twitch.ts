/**
 * A fake Twitch chat server on loopback speaking IRC over WebSocket as Twitch documents it
 * (https://dev.twitch.tv/docs/chat/irc/): CAP REQ → ACK; PASS/NICK → 001–004, 375/372/376 and
 * GLOBALUSERSTATE, or `NOTICE * :Login authentication failed` and a closed socket for a bad token;
 * JOIN → JOIN, USERSTATE (badges per channel, e.g. moderator), ROOMSTATE; PART → PART; PING → PONG;
 * PRIVMSG → USERSTATE, or NOTICE msg_ratelimit / msg_duplicate when the client breaks Twitch's rules.
 * Tests inject raw lines into joined channels, send RECONNECT, drop or silence the socket, and read
 * every line the client sent (`received`, `privmsgs`, `ruleNotices`). Moderators' actions come as
 * Twitch words them: `clearChat` (a ban, a timeout, or the whole chat cleared) and `clearMessage`.
 *
 * @example
 * const fake = await startFakeTwitch({ token: 'oauth:good', badges: { mychan: 'moderator/1' } });
 * // connect tmi.js to ws://127.0.0.1:<fake.port>, then:
 * fake.inject('@id=1;room-id=9 :viewer!viewer@viewer.tmi.twitch.tv PRIVMSG #mychan :hi');
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * The rules the fake enforces on PRIVMSGs, as Twitch does (https://dev.twitch.tv/docs/chat/#rate-limits):
 * at most 20 (non-moderator) or 100 (moderator) per sliding 30 s window, 1 s between two messages to
 * one channel for a non-moderator, no identical text to one channel within 30 s. Durations in ms.
 */
export const TWITCH_RULES = {
  windowMs: 30_000,
  userMessages: 20,
  moderatorMessages: 100,
  channelGapMs: 1_000,
  duplicateWindowMs: 30_000,
} as const;
export type FakeTwitchRules = { [K in keyof typeof TWITCH_RULES]: number };

export interface FakeTwitchOptions {
  /** The OAuth token the fake accepts (`oauth:` optional, case-insensitive). Default `oauth:faketoken`. */
  token?: string;
  /** Room ids per channel login; others get a stable made-up id. */
  roomIds?: Record<string, string>;
  /** The bot's USERSTATE badges per channel login, e.g. `{ mychan: 'moderator/1' }`. Default none. */
  badges?: Record<string, string>;
  rules?: Partial<FakeTwitchRules>;
  /** The clock arrivals are stamped and judged with, ms (a test's virtual clock). Default `performance.now`. */
  now?: () => number;
  /** Answer a JOIN this long after it arrived, ms (a slow network); the channel counts as joined at once. */
  joinEchoDelayMs?: number;
}

/** One line the client sent, with when it arrived (ms, by `options.now`) and on which connection. */
export type ReceivedLine = { at: number; connection: number; line: string };

/** A PRIVMSG the client sent, parsed, and whether the fake refused it (and why). */
export interface ReceivedPrivmsg extends ReceivedLine {
  channel: string;
  text: string;
  tags: Record<string, string>;
  refused?: 'msg_ratelimit' | 'msg_duplicate';
}

export interface FakeTwitch {
  readonly port: number;
  /** Every line any client sent, in order. */
  readonly received: ReceivedLine[];
  /** Every PRIVMSG any client sent, in order, refused ones included. */
  readonly privmsgs: ReceivedPrivmsg[];
  /** Every NOTICE the fake sent about a broken rule (msg_ratelimit, msg_duplicate). */
  readonly ruleNotices: string[];
  /** Connections accepted so far. */
  connectionCount(): number;
  /** Connections open now. */
  openConnectionCount(): number;
  /** Channels joined on open, logged-in connections. */
  joinedChannels(): string[];
  /** Sends a raw line: into the channel it names (which a client must have joined), else to all. */
  inject(line: string): void;
  /**
   * A moderator's CLEARCHAT (https://dev.twitch.tv/docs/chat/irc/#clearchat-command): with a `target`,
   * that user's messages are purged: banned, or timed out for `durationSeconds` (the `ban-duration`
   * tag); without one, the whole chat was cleared.
   */
  clearChat(channel: string, target?: { login: string; userId: string; durationSeconds?: number }): void;
  /**
   * A moderator deleted one message (https://dev.twitch.tv/docs/chat/irc/#clearmsg-command): the
   * author's `login`, the message's id (`target-msg-id`) and its text.
   */
  clearMessage(channel: string, message: { login: string; messageId: string; text: string }): void;
  /** Sends `:tmi.twitch.tv RECONNECT` to every connection. */
  sendReconnect(): void;
  /** Drops every connection without a close handshake. */
  dropConnections(): void;
  /** Current connections go silent: nothing is sent to them any more (their socket stays open). */
  silence(): void;
  close(): Promise<void>;
}

interface Connection {
  id: number;
  socket: WebSocket;
  pass?: string;
  nick?: string;
  loggedIn: boolean;
  silent: boolean;
  joined: Set<string>;
}

type ParsedLine = ReturnType<typeof parseLine>;

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeTwitch(options: FakeTwitchOptions = {}): Promise<FakeTwitch> {
  const rules = { ...TWITCH_RULES, ...options.rules };
  const now = options.now ?? (() => performance.now());
  const token = normalizeToken(options.token ?? 'oauth:faketoken');
  const badges = new Map(Object.entries(options.badges ?? {}));
  const roomIds = new Map(Object.entries(options.roomIds ?? {}));
  const connections = new Set<Connection>();
  const received: ReceivedLine[] = [];
  const privmsgs: ReceivedPrivmsg[] = [];
  const ruleNotices: string[] = [];
  let connectionCount = 0;

  const acceptIrc = (offered: Set<string>): string | false => [...offered][0] ?? false;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: acceptIrc });
  await new Promise<void>((resolve) => server.once('listening', resolve));

  const roomIdOf = (channel: string): string => roomIds.get(channel) ?? stableRoomId(channel);
  const write = (connection: Connection, ...lines: string[]): void => {
    if (connection.silent || connection.socket.readyState !== connection.socket.OPEN) return;
    for (const line of lines) connection.socket.send(`${line}\r\n`);
  };
  const userstate = (connection: Connection, channel: string): string => {
    const channelBadges = badges.get(channel) ?? '';
    const mod = /(^|,)(moderator|broadcaster)\//.test(channelBadges);
    return `@badge-info=;badges=${channelBadges};color=;display-name=${connection.nick};emote-sets=0;mod=${mod ? 1 : 0};subscriber=0;user-type=${mod ? 'mod' : ''} :tmi.twitch.tv USERSTATE #${channel}`;
  };

  const login = (connection: Connection, nick: string): void => {
    connection.nick = nick.toLowerCase();
    if (connection.pass === undefined || normalizeToken(connection.pass) !== token) {
      write(connection, ':tmi.twitch.tv NOTICE * :Login authentication failed');
      connection.socket.close();
      return;
    }
    connection.loggedIn = true;
    const n = connection.nick;
    const globalState = `@badges=;color=;display-name=${n};emote-sets=0;user-id=${stableRoomId(n)};user-type=`;
    write(connection, ...WELCOME.map((reply) => `:tmi.twitch.tv ${reply.replace(' ', ` ${n} `)}`));
    write(connection, `${globalState} :tmi.twitch.tv GLOBALUSERSTATE`);
  };

  /** Twitch's verdict on a PRIVMSG at `at`: refused with which NOTICE, or accepted (undefined). */
  const verdict = (channel: string, text: string, at: number): ReceivedPrivmsg['refused'] => {
    const moderator = /(^|,)(moderator|broadcaster)\//.test(badges.get(channel) ?? '');
    const since = (ms: number): ReceivedPrivmsg[] => privmsgs.filter((m) => m.at > at - ms);
    const previous = privmsgs.filter((m) => m.channel === channel && !m.refused).at(-1);
    if (since(rules.windowMs).length >= (moderator ? rules.moderatorMessages : rules.userMessages)) {
      return 'msg_ratelimit';
    }
    if (!moderator && previous && at - previous.at < rules.channelGapMs) return 'msg_ratelimit';
    const repeated = since(rules.duplicateWindowMs).some((m) => m.channel === channel && m.text === text);
    return repeated ? 'msg_duplicate' : undefined;
  };

  const privmsg = (connection: Connection, parsed: ParsedLine, entry: ReceivedLine): void => {
    const [target = '', text = ''] = parsed.params;
    const channel = target.replace(/^#/, '');
    const refused = verdict(channel, text, entry.at);
    privmsgs.push({ ...entry, channel, text, tags: parsed.tags, ...(refused ? { refused } : {}) });
    const notice =
      refused && `@msg-id=${refused} :tmi.twitch.tv NOTICE #${channel} :${NOTICE_TEXTS[refused]}`;
    if (notice) ruleNotices.push(notice);
    write(connection, notice || userstate(connection, channel));
  };

  const join = (connection: Connection, channels: string, n: string): void => {
    for (const channel of channels.split(',').map((c) => c.replace(/^#/, '').toLowerCase())) {
      connection.joined.add(channel);
      const answer = () =>
        write(
          connection,
          `:${n}!${n}@${n}.tmi.twitch.tv JOIN #${channel}`,
          userstate(connection, channel),
          `@emote-only=0;followers-only=-1;r9k=0;room-id=${roomIdOf(channel)};slow=0;subs-only=0 :tmi.twitch.tv ROOMSTATE #${channel}`,
        );
      if (options.joinEchoDelayMs) setTimeout(answer, options.joinEchoDelayMs);
      else answer();
    }
  };

  /** Answers one client line the way Twitch does; commands other than the session ones need a login. */
  const handle = (connection: Connection, line: string): void => {
    const entry: ReceivedLine = { at: now(), connection: connection.id, line };
    received.push(entry);
    if (connection.silent) return;
    const parsed = parseLine(line);
    const [first = '', last = ''] = [parsed.params[0], parsed.params.at(-1)];
    const n = connection.nick ?? '*';
    if (parsed.command === 'CAP') {
      if (first === 'REQ') write(connection, `:tmi.twitch.tv CAP * ACK :${last}`);
    } else if (parsed.command === 'PASS') {
      connection.pass = first;
    } else if (parsed.command === 'NICK') {
      login(connection, first);
    } else if (parsed.command === 'PING') {
      const pong =
        parsed.params.length === 0 ? 'PONG :tmi.twitch.tv' : `:tmi.twitch.tv PONG tmi.twitch.tv :${last}`;
      write(connection, pong);
    } else if (parsed.command === 'PONG' || !connection.loggedIn) {
      // nothing to answer
    } else if (parsed.command === 'JOIN') {
      join(connection, first, n);
    } else if (parsed.command === 'PART') {
      const channel = first.replace(/^#/, '').toLowerCase();
      connection.joined.delete(channel);
      write(connection, `:${n}!${n}@${n}.tmi.twitch.tv PART #${channel}`);
    } else if (parsed.command === 'PRIVMSG') {
      privmsg(connection, parsed, entry);
    } else {
      write(connection, `:tmi.twitch.tv 421 ${n} ${parsed.command} :Unknown command`);
    }
  };

  server.on('connection', (socket) => {
    connectionCount += 1;
    const connection: Connection = {
      id: connectionCount,
      socket,
      loggedIn: false,
      silent: false,
      joined: new Set(),
    };
    connections.add(connection);
    socket.on('message', (data) => {
      for (const line of String(data).split(/\r?\n/)) if (line !== '') handle(connection, line);
    });
    socket.on('close', () => connections.delete(connection));
    socket.on('error', () => connections.delete(connection));
  });

  const open = (): Connection[] =>
    [...connections].filter((c) => c.loggedIn && c.socket.readyState === c.socket.OPEN);

  const inject = (line: string): void => {
    const channel = /^(?:@\S+ )?(?::\S+ )?[A-Z0-9]+ #(\w+)/.exec(line)?.[1];
    const targets = channel ? open().filter((c) => c.joined.has(channel)) : open();
    if (channel && targets.length === 0) throw new Error(`no client has joined #${channel}`);
    for (const connection of targets) write(connection, line);
  };

  return {
    port: (server.address() as AddressInfo).port,
    received,
    privmsgs,
    ruleNotices,
    connectionCount: () => connectionCount,
    openConnectionCount: () => [...connections].filter((c) => c.socket.readyState === c.socket.OPEN).length,
    joinedChannels: () => [...new Set(open().flatMap((c) => [...c.joined]))].sort(),
    inject,
    clearChat(channel, target) {
      const duration = target?.durationSeconds === undefined ? '' : `ban-duration=${target.durationSeconds};`;
      const user = target ? `target-user-id=${target.userId};` : '';
      const tags = `@${duration}room-id=${roomIdOf(channel)};${user}tmi-sent-ts=${Date.now()}`;
      inject(`${tags} :tmi.twitch.tv CLEARCHAT #${channel}${target ? ` :${target.login}` : ''}`);
    },
    clearMessage(channel, message) {
      const tags = `@login=${message.login};room-id=${roomIdOf(channel)};target-msg-id=${message.messageId};tmi-sent-ts=${Date.now()}`;
      inject(`${tags} :tmi.twitch.tv CLEARMSG #${channel} :${message.text}`);
    },
    sendReconnect: () => each(open(), (connection) => write(connection, ':tmi.twitch.tv RECONNECT')),
    dropConnections: () => each(connections, (connection) => connection.socket.terminate()),
    silence: () => each(connections, (connection) => Object.assign(connection, { silent: true })),
    close: () => {
      each(connections, (connection) => connection.socket.terminate());
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Splits one IRC line into tags (escaped values undone), command and params. */
function parseLine(line: string): { tags: Record<string, string>; command: string; params: string[] } {
  let rest = line;
  const tags: Record<string, string> = {};
  if (rest.startsWith('@')) {
    const end = rest.indexOf(' ');
    for (const pair of rest.slice(1, end).split(';')) {
      const at = pair.indexOf('=');
      const key = at < 0 ? pair : pair.slice(0, at);
      tags[key] =
        at < 0 ? '' : pair.slice(at + 1).replace(/\\(.)/g, (_m, c: string) => TAG_UNESCAPES[c] ?? c);
    }
    rest = rest.slice(end + 1);
  }
  if (rest.startsWith(':')) rest = rest.slice(rest.indexOf(' ') + 1);
  const trailingAt = rest.indexOf(' :');
  const head = trailingAt < 0 ? rest : rest.slice(0, trailingAt);
  const [command = '', ...params] = head.split(' ').filter((part) => part !== '');
  if (trailingAt >= 0) params.push(rest.slice(trailingAt + 2));
  return { tags, command: command.toUpperCase(), params };
}

/** The welcome numerics after a good login (https://dev.twitch.tv/docs/chat/irc/#connecting-to-the-twitch-irc-server). */
const WELCOME =
  '001 :Welcome, GLHF!|002 :Your host is tmi.twitch.tv|003 :This server is rather new|004 :-|375 :-|372 :You are in a maze of twisty passages, all alike.|376 :>'.split(
    '|',
  );

/** NOTICE texts as Twitch words them (https://dev.twitch.tv/docs/irc/msg-id/). */
const NOTICE_TEXTS = {
  msg_duplicate:
    'Your message was not sent because it is identical to the previous one you sent, less than 30 seconds ago.',
  msg_ratelimit: 'Your message was not sent because you are sending messages too quickly.',
} as const;

const TAG_UNESCAPES: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

function each(connections: Iterable<Connection>, act: (connection: Connection) => unknown): void {
  for (const connection of connections) act(connection);
}

function normalizeToken(value: string): string {
  return value.replace(/^oauth:/i, '').toLowerCase();
}

/** A made-up numeric id that is the same for the same name. */
function stableRoomId(name: string): string {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619) >>> 0;
  return String(100_000 + (hash % 900_000_000));
}
