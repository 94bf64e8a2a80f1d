/**
 * A fake Telegram Bot API server on loopback, built from https://core.telegram.org/bots/api:
 * `GET|POST /bot<token>/<method>` (query, JSON or form parameters) for `getMe`, `getUpdates` (long
 * polling with `offset`, `limit`, `timeout`; a second poll ends the first with 409, as Telegram does),
 * `deleteWebhook`, `setWebhook`, `sendMessage` (MarkdownV2 checked against the escaping rules),
 * `sendMessageDraft` (Bot API 9.5, https://core.telegram.org/bots/api#sendmessagedraft: a private
 * chat's `chat_id`, a non-zero `draft_id`, `text` of 1-4096 characters after entities parsing;
 * answers `true`; recorded in `drafts`), `editMessageText` (https://core.telegram.org/bots/api#editmessagetext:
 * a message the bot sent in that chat, else 400 "message to edit not found"; the same text and
 * entities as now answer 400 "message is not modified: …", as Telegram does; answers the edited
 * Message), `deleteMessage` (https://core.telegram.org/bots/api#deletemessage),
 * `sendChatAction` and `getChatAdministrators` (the lists tests set with `setAdministrators`; a
 * group without one has none; a private chat is refused as Telegram does). Errors are
 * `{ ok: false, error_code, description, parameters? }`. Every call is recorded with its
 * parameters; tests push Updates and inject failures. `allowed_updates` is applied only where
 * Telegram makes an Update kind opt-in: `chat_member`, `message_reaction` and
 * `message_reaction_count` are delivered only while the last `allowed_updates` (of `getUpdates` or
 * `setWebhook`) lists them (https://core.telegram.org/bots/api#getupdates); other kinds are
 * delivered whatever was asked, so tests can check that any Update is tolerated. Update ids only
 * grow: a pushed Update whose id is not above the last one is renumbered (corpus records repeat ids).
 *
 * @example
 * const fake = await startFakeTelegram({ username: 'chatgate_bot' });
 * fake.pushUpdate({ update_id: 1, message: { message_id: 1, chat: { id: 5, type: 'private' }, text: 'hi' } });
 * fake.fail('sendMessage', { error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 1 } });
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import pino from 'pino';
import type { AdapterHost, PlatformModeration } from '../../src/core/adapter.js';
import type { ChatEvent } from '../../src/core/chat-event.js';

type Params = Record<string, unknown>;
type Update = { update_id: number } & Params;

/** One Bot API call as the fake received it; `at` in ms since the epoch. */
export type BotApiCall = { method: string; params: Params; at: number };

/** An error answer: https://core.telegram.org/bots/api#making-requests */
export type BotApiErrorBody = {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
};

/**
 * A message the fake accepted: `text` as Telegram would show it (markup parsed), `raw` as sent,
 * `entities` the entity types parsed, `threadId` its `message_thread_id`, `replyTo` the replied id.
 */
export interface SentMessage {
  messageId: number;
  chatId: unknown;
  /** What it shows now (after its last edit). */
  text: string;
  /** Every text it showed, oldest first: as sent, then after each edit. */
  history: string[];
  /** Set once `deleteMessage` removed it. */
  deleted?: boolean;
  raw: string;
  entities: string[];
  parseMode?: string;
  threadId?: number;
  replyTo?: number;
}

export interface FakeTelegram {
  /** The API root to give the bot: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly token: string;
  readonly username: string;
  readonly botId: number;
  readonly calls: BotApiCall[];
  readonly sent: SentMessage[];
  /** Every `sendMessageDraft` accepted, oldest first; `at` in ms since the epoch. */
  readonly drafts: { chatId: number; draftId: number; text: string; at: number }[];
  /** The webhook set with `setWebhook`, if any; `getUpdates` answers 409 while one is set. */
  webhook?: { url: string; secretToken?: string };
  /** Hold every `getUpdates` unanswered (a connection that went silent). */
  stallPolls: boolean;
  /** The last `allowed_updates` asked for (`getUpdates` or `setWebhook`); undefined: never asked. */
  allowedUpdates(): string[] | undefined;
  /** What `getChatAdministrators` answers for `chatId`: ChatMember objects (`status`, `user` …). */
  setAdministrators(chatId: number, members: object[]): void;
  /** Queues an Update for `getUpdates`; returns the id it was given. */
  pushUpdate(update: object): number;
  /** The next `times` calls of `method` fail with `error`. */
  fail(method: string, error: BotApiErrorBody, times?: number): void;
  callsOf(method: string): BotApiCall[];
  /** Whether a `getUpdates` confirmed `updateId` (offset above it): the bot has handled it. */
  confirmed(updateId: number): boolean;
  close(): Promise<void>;
}

/** The `sendChatAction` actions of https://core.telegram.org/bots/api#sendchataction */
const ACTIONS =
  /^(typing|upload_(photo|video|voice|document|video_note)|record_(video|voice|video_note)|choose_sticker|find_location)$/;
const WEBHOOK_ACTIVE =
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const TERMINATED =
  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
/** Entity names as Telegram's errors spell them. */
const nameOf = (type: string) => (type === 'text_link' ? 'TextUrl' : type[0]?.toUpperCase() + type.slice(1));

/** The entity each marker opens or closes (`[` and `![` open links and custom emoji). */
const MARKERS: Record<string, string> = { '*': 'bold', _: 'italic', __: 'underline', '~': 'strikethrough' };
const typeOf = (marker: string) => (marker.endsWith('[') ? 'text_link' : (MARKERS[marker] ?? 'spoiler'));
/** Escape; pre (language line optional); code; a marker; a link's `](url)`; a quote; a reserved char. */
const MARKDOWN_V2 =
  /\\([\s\S])|```(?:[^\s`]*\n)?((?:\\[\s\S]|[^`\\])*?)\n?```|`((?:\\[\s\S]|[^`\\])*)`|(\|\||__|[*_~]|!?\[)|\]\(((?:\\[\s\S]|[^)\\])*)\)|(^>)|([_*[\]()~`>#+\-=|{}.!\\])|([\s\S])/gmu;

/**
 * Parses MarkdownV2 per https://core.telegram.org/bots/api#markdownv2-style: the shown text and the
 * entity types, or Telegram's error text (after "can't parse entities: ").
 */
export function parseMarkdownV2(src: string): { text: string; entities: string[] } | { error: string } {
  let text = '';
  const entities: string[] = [];
  const open: { type: string; at: number }[] = [];
  const endOf = (entity: { type: string; at: number }) =>
    `Can't find end of ${nameOf(entity.type)} entity at byte offset ${Buffer.byteLength(src.slice(0, entity.at))}`;
  for (const m of src.matchAll(MARKDOWN_V2)) {
    const [, escaped, pre, code, marker, url, quote, reserved, plain] = m;
    const top = open.at(-1);
    if (escaped !== undefined) text += escaped;
    else if (pre !== undefined || code !== undefined) {
      text += (pre ?? code ?? '').replace(/\\([\s\S])/g, '$1');
      entities.push(pre !== undefined ? 'pre' : 'code');
    } else if (marker !== undefined) {
      const type = typeOf(marker);
      if (top?.type === type && type !== 'text_link') entities.push(open.pop()?.type ?? type);
      else if (top && open.some((o) => o.type === type)) return { error: endOf(top) };
      else open.push({ type, at: m.index });
    } else if (url !== undefined && top?.type === 'text_link') entities.push(open.pop()?.type ?? 'text_link');
    else if (quote !== undefined) entities.push('blockquote');
    else if (reserved === '`') return { error: endOf({ type: 'code', at: m.index }) };
    else if (reserved !== undefined || url !== undefined) {
      return {
        error: `Character '${reserved ?? ']'}' is reserved and must be escaped with the preceding '\\'`,
      };
    } else text += plain;
  }
  const top = open.at(-1);
  return top ? { error: endOf(top) } : { text, entities };
}

/** An error answer a method handler returns instead of a result. */
class Refusal {
  constructor(readonly body: BotApiErrorBody) {}
}
const refuse = (error_code: number, description: string) => new Refusal({ error_code, description });
const bad = (description: string) => refuse(400, `Bad Request: ${description}`);

/** Starts the fake on 127.0.0.1 at a random port. */
export async function startFakeTelegram(
  options: { token?: string; username?: string; botId?: number } = {},
): Promise<FakeTelegram> {
  const token = options.token ?? '123456:TEST-fake-token_abc';
  const username = options.username ?? 'chatgate_test_bot';
  const bot = { id: options.botId ?? 7_000_001, is_bot: true, first_name: 'Chatgate', username };
  const calls: BotApiCall[] = [];
  const sent: SentMessage[] = [];
  const drafts: FakeTelegram['drafts'] = [];
  const failures = new Map<string, { error: BotApiErrorBody; times: number }>();
  const sockets = new Set<Socket>();
  let queue: Update[] = [];
  let lastId = 0;
  let messageSeq = 1000;
  let poll: { answer: (result: unknown) => void; offset: number; limit: number } | undefined;
  let allowed: string[] | undefined;
  const administrators = new Map<number, object[]>();
  /** Whether Telegram would deliver `update` under the last `allowed_updates` (see the file comment). */
  const delivered = (update: Update): boolean => {
    const kind = Object.keys(update).find((key) => key !== 'update_id') ?? '';
    return !OPT_IN_UPDATES.has(kind) || (allowed?.includes(kind) ?? false);
  };
  /** Records `allowed_updates` when given: a list (JSON body) or its JSON text (form or query). */
  const rememberAllowed = (p: Params): void => {
    const given = typeof p.allowed_updates === 'string' ? safeJson(p.allowed_updates) : p.allowed_updates;
    if (Array.isArray(given)) allowed = given.map(String);
  };
  const pending = (offset: number, limit: number) =>
    queue.filter((u) => u.update_id >= offset && delivered(u)).slice(0, limit);
  const flush = () => {
    const batch = poll ? pending(poll.offset, poll.limit) : [];
    if (batch.length > 0) poll?.answer(batch);
  };

  /** Method handlers: a result, a `Refusal`, or a promise of either (a held long poll). */
  const methods: Record<string, (p: Params, closed: Promise<void>) => unknown> = {
    getMe: () => ({ ...bot, can_join_groups: true, can_read_all_group_messages: false }),
    getUpdates(p, closed) {
      if (fake.webhook) return refuse(409, WEBHOOK_ACTIVE);
      rememberAllowed(p);
      const offset = Number(p.offset ?? 0);
      if (offset > 0) queue = queue.filter((u) => u.update_id >= offset);
      poll?.answer(refuse(409, TERMINATED));
      const limit = Math.min(Math.max(Number(p.limit ?? 100), 1), 100);
      const timeout = fake.stallPolls ? Number.POSITIVE_INFINITY : Number(p.timeout ?? 0);
      const batch = pending(offset, limit);
      if (batch.length > 0 || timeout <= 0) return batch;
      return new Promise((resolve) => {
        const timer = Number.isFinite(timeout) ? setTimeout(() => answer([]), timeout * 1000) : undefined;
        const answer = (result: unknown) => {
          clearTimeout(timer);
          if (poll?.answer === answer) poll = undefined;
          resolve(result);
        };
        if (!fake.stallPolls) poll = { answer, offset, limit };
        void closed.then(() => answer(undefined));
      });
    },
    deleteWebhook(p) {
      fake.webhook = undefined;
      if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') queue = [];
      return true;
    },
    setWebhook(p) {
      const url = String(p.url ?? '');
      const secretToken = p.secret_token === undefined ? undefined : String(p.secret_token);
      if (url !== '' && !url.startsWith('https://')) return bad('bad webhook: An HTTPS URL must be provided');
      if (!/^[\w-]{1,256}$/.test(secretToken ?? 'none')) return bad('secret token is invalid');
      rememberAllowed(p);
      fake.webhook = url === '' ? undefined : { url, ...(secretToken !== undefined ? { secretToken } : {}) };
      return true;
    },
    sendMessage(p) {
      if (p.chat_id === undefined || p.chat_id === '') return bad('chat_id is empty');
      const raw = String(p.text ?? '');
      const parseMode = p.parse_mode === undefined ? undefined : String(p.parse_mode);
      const parsed = parseMode === 'MarkdownV2' ? parseMarkdownV2(raw) : { text: raw, entities: [] };
      if ('error' in parsed) return bad(`can't parse entities: ${parsed.error}`);
      if (parsed.text.trim() === '') return bad('message text is empty');
      if (parsed.text.length > 4096) return bad('message is too long');
      const threadId = p.message_thread_id === undefined ? undefined : Number(p.message_thread_id);
      const replyTo = (p.reply_parameters as { message_id?: unknown } | undefined)?.message_id;
      const { text, entities } = parsed;
      const message: SentMessage = {
        messageId: ++messageSeq,
        chatId: p.chat_id,
        text,
        history: [text],
        raw,
        entities,
      };
      if (parseMode !== undefined) message.parseMode = parseMode;
      if (threadId !== undefined) message.threadId = threadId;
      if (replyTo !== undefined) message.replyTo = Number(replyTo);
      sent.push(message);
      const chatId = Number(p.chat_id);
      const chat = { id: chatId, type: chatId > 0 ? 'private' : 'supergroup' };
      const topic = threadId !== undefined ? { message_thread_id: threadId, is_topic_message: true } : {};
      const date = Math.floor(Date.now() / 1000);
      return { message_id: message.messageId, from: bot, chat, date, text, ...topic };
    },
    sendMessageDraft(p) {
      const chatId = Number(p.chat_id);
      const draftId = Number(p.draft_id);
      if (p.chat_id === undefined || p.chat_id === '') return bad('chat_id is empty');
      if (!Number.isSafeInteger(chatId) || chatId <= 0)
        return bad('message drafts can be sent only to private chats');
      if (!Number.isSafeInteger(draftId) || draftId === 0) return bad('draft_id must be non-zero');
      const parsed = parsedText(p);
      if ('error' in parsed) return bad(`can't parse entities: ${parsed.error}`);
      if (parsed.text.trim() === '') return bad('message text is empty');
      if (parsed.text.length > 4096) return bad('message is too long');
      drafts.push({ chatId, draftId, text: parsed.text, at: Date.now() });
      return true;
    },
    editMessageText(p) {
      if (p.chat_id === undefined || p.chat_id === '') return bad('chat_id is empty');
      const message = sent.find(
        (m) => !m.deleted && String(m.chatId) === String(p.chat_id) && m.messageId === Number(p.message_id),
      );
      if (!message) return bad('message to edit not found');
      const parsed = parsedText(p);
      if ('error' in parsed) return bad(`can't parse entities: ${parsed.error}`);
      if (parsed.text.trim() === '') return bad('message text is empty');
      if (parsed.text.length > 4096) return bad('message is too long');
      if (parsed.text === message.text && parsed.entities.join() === message.entities.join()) {
        return bad(
          'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
        );
      }
      message.text = parsed.text;
      message.entities = parsed.entities;
      message.raw = String(p.text ?? '');
      message.history.push(parsed.text);
      if (p.parse_mode === undefined) delete message.parseMode;
      else message.parseMode = String(p.parse_mode);
      const chatId = Number(p.chat_id);
      const chat = { id: chatId, type: chatId > 0 ? 'private' : 'supergroup' };
      const date = Math.floor(Date.now() / 1000);
      return { message_id: message.messageId, from: bot, chat, date, edit_date: date, text: message.text };
    },
    deleteMessage(p) {
      const message = sent.find(
        (m) => !m.deleted && String(m.chatId) === String(p.chat_id) && m.messageId === Number(p.message_id),
      );
      if (!message) return bad('message to delete not found');
      message.deleted = true;
      return true;
    },
    getChatAdministrators(p) {
      const chatId = Number(p.chat_id);
      if (!Number.isSafeInteger(chatId)) return bad('chat not found');
      if (chatId > 0) return bad('there are no administrators in the private chat');
      return administrators.get(chatId) ?? [];
    },
    sendChatAction(p) {
      if (p.chat_id === undefined || p.chat_id === '') return bad('chat_id is empty');
      return ACTIONS.test(String(p.action)) ? true : bad('wrong parameter action in request');
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const closed = new Promise<void>((resolve) => res.on('close', resolve));
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const params = await readParams(req, url);
    const method = match?.[2] ?? '';
    if (match?.[1] === token) calls.push({ method, params, at: Date.now() });
    const failure = failures.get(method);
    const result =
      match?.[1] !== token
        ? refuse(match ? 401 : 404, match ? 'Unauthorized' : 'Not Found')
        : failure && failure.times-- > 0
          ? new Refusal(failure.error)
          : await (methods[method]?.(params, closed) ?? refuse(404, 'Not Found'));
    if (res.writableEnded || res.destroyed) return;
    const [status, body] =
      result instanceof Refusal
        ? [result.body.error_code, { ok: false, ...result.body }]
        : [200, { ok: true, result }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const fake: FakeTelegram = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    username,
    botId: bot.id,
    calls,
    sent,
    drafts,
    stallPolls: false,
    allowedUpdates: () => allowed,
    setAdministrators: (chatId, members) => void administrators.set(chatId, members),
    pushUpdate(update) {
      const given = Number((update as { update_id?: unknown }).update_id);
      lastId = Number.isSafeInteger(given) && given > lastId ? given : lastId + 1;
      queue.push({ ...update, update_id: lastId });
      flush();
      return lastId;
    },
    fail: (method, e, times = 1) => void failures.set(method, { error: e, times }),
    callsOf: (method) => calls.filter((c) => c.method === method),
    confirmed: (updateId) =>
      calls.some((c) => c.method === 'getUpdates' && Number(c.params.offset) > updateId),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
  return fake;
}

/** A method's `text` as Telegram would show it, after its `parse_mode` (MarkdownV2 parsed, else as is). */
function parsedText(p: Params): { text: string; entities: string[] } | { error: string } {
  const raw = String(p.text ?? '');
  return p.parse_mode === 'MarkdownV2' ? parseMarkdownV2(raw) : { text: raw, entities: [] };
}

/** Update kinds Telegram sends only when `allowed_updates` lists them. */
const OPT_IN_UPDATES: ReadonlySet<string> = new Set([
  'chat_member',
  'message_reaction',
  'message_reaction_count',
]);

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** JSON body parameters, or form / query ones (as strings). */
async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const json = req.headers['content-type']?.includes('application/json') && body !== '';
  if (json) return JSON.parse(body) as Params;
  return Object.fromEntries(new URLSearchParams(req.method === 'POST' ? body : url.search));
}

/** An `AdapterHost` that records what an adapter hands it, and its log lines (JSON text). */
export function recordingHost() {
  const ingested: ChatEvent[] = [];
  const resets: ChatEvent[] = [];
  const handled: Array<{ event: ChatEvent; reason: string }> = [];
  const names: string[] = [];
  const logs: string[] = [];
  const moderations: PlatformModeration[] = [];
  const host: AdapterHost = {
    moderated: async (action) => void moderations.push(action),
    ingest: async (event) => {
      ingested.push(event);
      return { status: 'queued', interactionId: `i-${ingested.length}` };
    },
    recordHandled: async (event, reason) => {
      handled.push({ event, reason });
      return { status: 'ignored', reason, interactionId: `h-${handled.length}` };
    },
    resetContext: async (event) => void resets.push(event),
    addBotName: (name) => void names.push(name),
    logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }),
  };
  return { host, ingested, resets, handled, names, logs, moderations };
}
