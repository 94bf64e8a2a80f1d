/**
 * A fake Twitch on loopback for the EventSub transport: the OAuth token endpoint, the Helix calls
 * chatgate makes, and the EventSub WebSocket server, on one port, following dev.twitch.tv:
 * - `POST /oauth2/token` (https://dev.twitch.tv/docs/authentication/refresh-tokens/): form-encoded
 *   `grant_type=refresh_token` (a new access token and a new refresh token; the old refresh token
 *   is then refused with 400 `Invalid refresh token`) and `grant_type=client_credentials` (an app
 *   token); a wrong client id or secret is a 403;
 * - `GET /helix/users?login=…&id=…` (https://dev.twitch.tv/docs/api/reference/#get-users): the
 *   known users; unknown ones are left out;
 * - `POST /helix/eventsub/subscriptions` (…/reference/#create-eventsub-subscription): WebSocket
 *   transport with a user token only; 400 for a session that is not open, 403 when the token lacks
 *   the type's scope or is not the condition's `user_id`, 409 when it exists, else 202 with `data`;
 *   `DELETE /helix/eventsub/subscriptions?id=` → 204 (404 unknown);
 * - `POST /helix/chat/messages` (…/reference/#send-chat-message): a user token must be the
 *   sender's (with `user:write:chat`); an app token may send where `appMayChat` (the broadcaster
 *   granted `channel:bot`), else 403; answers `{ data: [{ message_id, is_sent, drop_reason }] }`;
 * - every Helix answer carries `Ratelimit-Limit`, `Ratelimit-Remaining`, `Ratelimit-Reset` (epoch
 *   seconds, https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits); calls while the bucket is
 *   empty get 429; an invalid or expired token gets 401 `Invalid OAuth token`;
 * - `GET /ws` upgrades to the EventSub WebSocket (https://dev.twitch.tv/docs/eventsub/handling-websocket-events/,
 *   https://dev.twitch.tv/docs/eventsub/websocket-reference/): `session_welcome` first, then
 *   `session_keepalive` when quiet, `notification`s for the session's subscriptions,
 *   `session_reconnect` (the `reconnect_url` connects to the same session, subscriptions kept, and
 *   the old socket is closed after the new welcome), `revocation`;
 * - the webhook transport (https://dev.twitch.tv/docs/eventsub/handling-webhook-events/): a
 *   subscription with `{ method: 'webhook', callback, secret }` needs the app token (and the bot's
 *   `user:read:chat` + `user:bot`, and `channel:bot` for the channel), is answered 202
 *   `webhook_callback_verification_pending`, then verified with a signed
 *   `webhook_callback_verification` POST whose `challenge` must come back as the body; deliveries
 *   are POSTs signed `sha256=HMAC(secret, id + timestamp + body)` in `Twitch-Eventsub-Message-*`
 *   headers. They go out through `setWebhookSender` (a test hands them to `app.inject`), or over
 *   HTTP.
 * Tests push notifications, send a reconnect, expire tokens, drop a message (`is_sent: false`),
 * empty the rate-limit bucket, silence keepalives, and read every call.
 *
 * @example
 * const fake = await startFakeTwitchHelix({ users: { mychan: '1001' } });
 * // TWITCH_API_URL=fake.apiUrl TWITCH_AUTH_URL=fake.authUrl TWITCH_EVENTSUB_WS_URL=fake.wsUrl
 * fake.notify('channel.chat.message', chatMessageEvent(…));
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface FakeTwitchHelixOptions {
  clientId?: string;
  clientSecret?: string;
  /** The refresh token valid at start. Default `fake-refresh-token`. */
  refreshToken?: string;
  /** The bot user. Default `{ id: '90001', login: 'chatgatebot' }`. */
  bot?: { id: string; login: string };
  /** Other users (broadcasters), login → id. */
  users?: Record<string, string>;
  /** Scopes of the bot's user token. Default `user:read:chat user:write:chat user:bot`. */
  scopes?: string[];
  /** Whether the app token may send chat (the broadcaster granted `channel:bot`). Default true. */
  appMayChat?: boolean;
  /** The welcome's `keepalive_timeout_seconds`. Default 10. */
  keepaliveSeconds?: number;
  /** `Ratelimit-Limit`. Default 800. */
  rateLimit?: number;
}

/** One webhook POST as the fake makes it. */
export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** How the fake posts to a webhook callback: the status and body of the answer. */
export type WebhookSender = (post: WebhookPost) => Promise<{ status: number; body: string }>;

/** A webhook delivery the fake made, and how the callback answered. */
export interface FakeWebhookDelivery {
  messageId: string;
  messageType: string;
  status: number;
}

/** One HTTP call as the fake received it. */
export interface FakeCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | undefined;
  /** Which token authorized it: `user`, `app`, `none`, `invalid`. */
  token: 'user' | 'app' | 'none' | 'invalid';
  /** The HTTP status answered. */
  status: number;
}

/** A chat message the fake accepted or dropped. */
export interface FakeChatMessage {
  broadcasterId: string;
  senderId: string;
  message: string;
  replyParentMessageId?: string;
  as: 'user' | 'app';
  isSent: boolean;
  dropReason?: string;
}

/** A subscription on a WebSocket session (`sessionId`) or to a webhook (`callback`). */
export interface FakeSubscription {
  id: string;
  type: string;
  version: string;
  condition: Record<string, string>;
  sessionId: string;
  method: 'websocket' | 'webhook';
  callback?: string;
  secret?: string;
  status: 'enabled' | 'webhook_callback_verification_pending';
}

export interface FakeTwitchHelix {
  readonly url: string;
  /** `TWITCH_API_URL`. */
  readonly apiUrl: string;
  /** `TWITCH_AUTH_URL`. */
  readonly authUrl: string;
  /** `TWITCH_EVENTSUB_WS_URL`. */
  readonly wsUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  readonly bot: { id: string; login: string };
  /** Every HTTP call, in order. */
  readonly calls: FakeCall[];
  /** Every Send Chat Message accepted by the checks, in order (dropped ones with `isSent: false`). */
  readonly chatMessages: FakeChatMessage[];
  /** Every webhook POST made (verifications included), with the callback's answer. */
  readonly webhookDeliveries: FakeWebhookDelivery[];
  /** How webhook POSTs go out from now on (default: HTTP). */
  setWebhookSender(sender: WebhookSender): void;
  /** The subscriptions alive now. */
  subscriptions(): FakeSubscription[];
  /** WebSocket connections accepted so far. */
  connectionCount(): number;
  /** Sessions with an open socket now. */
  openSessionCount(): number;
  /** The refresh token valid now (rotated on each refresh). */
  currentRefreshToken(): string;
  /**
   * Sends a notification to every session subscribed to `type` for the event's
   * `broadcaster_user_id`; `duplicate` sends it twice with the same message id. Returns the
   * message id, or throws when no session is subscribed.
   */
  notify(
    type: string,
    event: Record<string, unknown>,
    options?: { messageId?: string; duplicate?: boolean },
  ): string;
  /** Sends `session_reconnect` on every open session; resolves when each has moved. */
  reconnect(): Promise<void>;
  /** Sends a `revocation` for each subscription of `type` and removes them. */
  revoke(type: string, status?: string): void;
  /** Closes every session's socket with `code` (Twitch's 4000–4007); their subscriptions end. */
  closeSessions(code?: number): void;
  /** Stops keepalives: the client should find its socket dead. */
  silence(): void;
  /** Every user access token issued so far stops working (401) until refreshed. */
  expireUserTokens(): void;
  /** The next Send Chat Message answers `is_sent: false` with this reason. */
  dropNext(code: string, message: string): void;
  /** The next Helix answer says `Ratelimit-Remaining: 0`, resetting in `seconds`; calls before get 429. */
  exhaustRateLimit(seconds: number): void;
  /** How many 429s were answered. */
  tooManyRequests(): number;
  close(): Promise<void>;
}

interface Session {
  id: string;
  socket: WebSocket;
  keepalive: NodeJS.Timeout | undefined;
}

/** The scope each subscription type needs of the bot's user token (eventsub-subscription-types). */
const SCOPES: Record<string, string> = {
  'channel.chat.message': 'user:read:chat',
  'channel.chat.notification': 'user:read:chat',
};

/** Starts the fake on 127.0.0.1 (a free port). */
export async function startFakeTwitchHelix(options: FakeTwitchHelixOptions = {}): Promise<FakeTwitchHelix> {
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret';
  const bot = options.bot ?? { id: '90001', login: 'chatgatebot' };
  const users = new Map<string, string>([[bot.login, bot.id], ...Object.entries(options.users ?? {})]);
  const scopes = options.scopes ?? ['user:read:chat', 'user:write:chat', 'user:bot'];
  const keepaliveSeconds = options.keepaliveSeconds ?? 10;
  const rateLimit = options.rateLimit ?? 800;
  let refreshToken = options.refreshToken ?? 'fake-refresh-token';
  const userTokens = new Set<string>();
  const appTokens = new Set<string>();
  const calls: FakeCall[] = [];
  const chatMessages: FakeChatMessage[] = [];
  const webhookDeliveries: FakeWebhookDelivery[] = [];
  let webhookSender: WebhookSender = httpWebhookSender;
  const subscriptions: FakeSubscription[] = [];
  /** Session id → its live socket; a session survives a reconnect, on the new socket. */
  const sessions = new Map<string, Session>();
  const sockets = new Set<Socket>();
  let connections = 0;
  let silent = false;
  let drop: { code: string; message: string } | undefined;
  let emptyUntil = 0;
  let announceEmpty = false;
  let tooMany = 0;
  const moved = new Map<string, () => void>();

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/ws`;

  const send = (
    socket: WebSocket,
    type: string,
    payload: unknown,
    extra: Record<string, string> = {},
    id: string = randomUUID(),
  ) => {
    const metadata = {
      message_id: id,
      message_type: type,
      message_timestamp: new Date().toISOString(),
      ...extra,
    };
    socket.send(JSON.stringify({ metadata, payload }));
  };
  const armKeepalive = (session: Session): void => {
    clearInterval(session.keepalive);
    session.keepalive = setInterval(
      () => {
        if (!silent && session.socket.readyState === session.socket.OPEN)
          send(session.socket, 'session_keepalive', {});
      },
      (keepaliveSeconds * 1000) / 2,
    );
  };
  const sessionPayload = (id: string, status: string, reconnectUrl: string | null) => ({
    session: {
      id,
      status,
      connected_at: new Date().toISOString(),
      keepalive_timeout_seconds: status === 'reconnecting' ? null : keepaliveSeconds,
      reconnect_url: reconnectUrl,
    },
  });

  wss.on('connection', (socket, req) => {
    connections += 1;
    const reconnectOf = new URL(req.url ?? '/', url).searchParams.get('reconnect');
    const old = reconnectOf ? sessions.get(reconnectOf) : undefined;
    const session: Session = {
      id: old ? old.id : randomUUID().replace(/-/g, ''),
      socket,
      keepalive: undefined,
    };
    sessions.set(session.id, session);
    send(socket, 'session_welcome', sessionPayload(session.id, 'connected', null));
    armKeepalive(session);
    if (old) {
      // Twitch closes the old connection once the new one is welcomed.
      clearInterval(old.keepalive);
      old.socket.close(1000);
      moved.get(session.id)?.();
      moved.delete(session.id);
    }
    socket.on('close', () => {
      clearInterval(session.keepalive);
      if (sessions.get(session.id)?.socket !== socket) return;
      sessions.delete(session.id);
      // The session is over: Twitch disables its subscriptions (status websocket_disconnected).
      for (let index = subscriptions.length - 1; index >= 0; index -= 1) {
        if (subscriptions[index]?.sessionId === session.id) subscriptions.splice(index, 1);
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<Done> {
    const parsed = new URL(req.url ?? '/', url);
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    if (parsed.pathname === '/oauth2/token' && method === 'POST') return token(res, new URLSearchParams(raw));
    if (!parsed.pathname.startsWith('/helix/'))
      return json(res, 404, { error: 'Not Found', status: 404, message: '' });
    const path = parsed.pathname.slice('/helix'.length);
    let body: Record<string, unknown> | undefined;
    try {
      body = raw === '' ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      body = undefined;
    }
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const kind: FakeCall['token'] =
      bearer === undefined
        ? 'none'
        : userTokens.has(bearer)
          ? 'user'
          : appTokens.has(bearer)
            ? 'app'
            : 'invalid';
    const call: FakeCall = { method, path, query: parsed.searchParams, body, token: kind, status: 0 };
    calls.push(call);
    const answer = (status: number, payload?: unknown): Done => {
      call.status = status;
      const now = Date.now();
      const empty = announceEmpty || now < emptyUntil;
      announceEmpty = false;
      res.setHeader('ratelimit-limit', String(rateLimit));
      res.setHeader('ratelimit-remaining', empty ? '0' : String(rateLimit - 1));
      res.setHeader('ratelimit-reset', String(Math.ceil((empty ? emptyUntil : now + 60_000) / 1000)));
      if (payload === undefined) {
        res.writeHead(status).end();
        return true;
      }
      return json(res, status, payload);
    };
    if (Date.now() < emptyUntil && !announceEmpty) {
      tooMany += 1;
      return answer(429, { error: 'Too Many Requests', status: 429, message: 'Too Many Requests' });
    }
    if (req.headers['client-id'] !== clientId) {
      return answer(401, {
        error: 'Unauthorized',
        status: 401,
        message: 'Client ID and OAuth token do not match',
      });
    }
    if (kind === 'none' || kind === 'invalid') {
      return answer(401, { error: 'Unauthorized', status: 401, message: 'Invalid OAuth token' });
    }
    if (path === '/users' && method === 'GET') return answer(200, { data: usersFor(parsed.searchParams) });
    if (path === '/eventsub/subscriptions' && method === 'POST') return subscribe(kind, body, answer);
    if (path === '/eventsub/subscriptions' && method === 'DELETE') {
      const index = subscriptions.findIndex((sub) => sub.id === parsed.searchParams.get('id'));
      if (index < 0)
        return answer(404, { error: 'Not Found', status: 404, message: 'subscription not found' });
      subscriptions.splice(index, 1);
      return answer(204);
    }
    if (path === '/chat/messages' && method === 'POST') return chat(kind, body, answer);
    return answer(404, { error: 'Not Found', status: 404, message: 'no such endpoint in the fake' });
  }

  function token(res: ServerResponse, form: URLSearchParams): Done {
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      return json(res, 403, { status: 403, message: 'invalid client secret' });
    }
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') {
      const access = `app-${randomUUID()}`;
      appTokens.add(access);
      return json(res, 200, { access_token: access, expires_in: 5_000_000, token_type: 'bearer' });
    }
    if (grant === 'refresh_token') {
      if (form.get('refresh_token') !== refreshToken) {
        return json(res, 400, { status: 400, message: 'Invalid refresh token' });
      }
      const access = `user-${randomUUID()}`;
      userTokens.add(access);
      refreshToken = `refresh-${randomUUID()}`;
      return json(res, 200, {
        access_token: access,
        refresh_token: refreshToken,
        expires_in: 14_400,
        scope: scopes,
        token_type: 'bearer',
      });
    }
    return json(res, 400, { status: 400, message: 'missing or unsupported grant_type' });
  }

  function usersFor(query: URLSearchParams): unknown[] {
    const wanted = new Set([
      ...query.getAll('login').map((login) => login.toLowerCase()),
      ...query
        .getAll('id')
        .flatMap((id) => [...users].filter(([, userId]) => userId === id).map(([login]) => login)),
    ]);
    return [...wanted]
      .filter((login) => users.has(login))
      .map((login) => ({
        id: users.get(login),
        login,
        display_name: login,
        type: '',
        broadcaster_type: '',
        description: '',
        profile_image_url: '',
        offline_image_url: '',
        view_count: 0,
        created_at: '2016-12-14T20:32:28Z',
      }));
  }

  function subscribe(
    kind: 'user' | 'app',
    body: Record<string, unknown> | undefined,
    answer: (status: number, payload?: unknown) => Done,
  ): Done {
    const type = typeof body?.type === 'string' ? body.type : '';
    const version = typeof body?.version === 'string' ? body.version : '';
    const condition = (body?.condition ?? {}) as Record<string, string>;
    const transport = (body?.transport ?? {}) as Record<string, unknown>;
    if (transport.method === 'webhook')
      return subscribeWebhook(kind, type, version, condition, transport, answer);
    if (!type || !version || transport.method !== 'websocket' || typeof transport.session_id !== 'string') {
      return answer(400, { error: 'Bad Request', status: 400, message: 'missing or invalid fields' });
    }
    if (kind !== 'user') {
      return answer(400, {
        error: 'Bad Request',
        status: 400,
        message: 'websocket transports require a user access token',
      });
    }
    if (!sessions.has(transport.session_id)) {
      return answer(400, {
        error: 'Bad Request',
        status: 400,
        message: 'websocket transport session does not exist or has already disconnected',
      });
    }
    const scope = SCOPES[type];
    if (!scope)
      return answer(400, {
        error: 'Bad Request',
        status: 400,
        message: 'unknown subscription type in the fake',
      });
    if (condition.user_id !== bot.id || !scopes.includes(scope)) {
      return answer(403, {
        error: 'Forbidden',
        status: 403,
        message: 'subscription missing proper authorization',
      });
    }
    const same = subscriptions.find(
      (sub) => sub.type === type && JSON.stringify(sub.condition) === JSON.stringify(condition),
    );
    if (same) return answer(409, { error: 'Conflict', status: 409, message: 'subscription already exists' });
    const sub: FakeSubscription = {
      id: randomUUID(),
      type,
      version,
      condition,
      sessionId: transport.session_id,
      method: 'websocket',
      status: 'enabled',
    };
    subscriptions.push(sub);
    return answer(202, {
      data: [
        {
          id: sub.id,
          status: 'enabled',
          type,
          version,
          condition,
          created_at: new Date().toISOString(),
          transport: {
            method: 'websocket',
            session_id: sub.sessionId,
            connected_at: new Date().toISOString(),
          },
          cost: 0,
        },
      ],
      total: subscriptions.length,
      total_cost: 0,
      max_total_cost: 10,
    });
  }

  function subscribeWebhook(
    kind: 'user' | 'app',
    type: string,
    version: string,
    condition: Record<string, string>,
    transport: Record<string, unknown>,
    answer: (status: number, payload?: unknown) => Done,
  ): Done {
    const { callback, secret } = transport;
    if (!type || !version || typeof callback !== 'string' || typeof secret !== 'string') {
      return answer(400, { error: 'Bad Request', status: 400, message: 'missing or invalid fields' });
    }
    if (secret.length < 10 || secret.length > 100) {
      return answer(400, { error: 'Bad Request', status: 400, message: 'secret must be 10-100 characters' });
    }
    if (kind !== 'app') {
      return answer(400, {
        error: 'Bad Request',
        status: 400,
        message: 'webhook transports require an app access token',
      });
    }
    const scope = SCOPES[type];
    if (!scope)
      return answer(400, {
        error: 'Bad Request',
        status: 400,
        message: 'unknown subscription type in the fake',
      });
    const granted = scopes.includes(scope) && scopes.includes('user:bot') && (options.appMayChat ?? true);
    if (condition.user_id !== bot.id || !granted) {
      return answer(403, {
        error: 'Forbidden',
        status: 403,
        message: 'subscription missing proper authorization',
      });
    }
    const same = subscriptions.find(
      (sub) => sub.type === type && JSON.stringify(sub.condition) === JSON.stringify(condition),
    );
    if (same) return answer(409, { error: 'Conflict', status: 409, message: 'subscription already exists' });
    const sub: FakeSubscription = {
      id: randomUUID(),
      type,
      version,
      condition,
      sessionId: '',
      method: 'webhook',
      callback,
      secret,
      status: 'webhook_callback_verification_pending',
    };
    subscriptions.push(sub);
    // Twitch answers first, then verifies the callback.
    setImmediate(() => void verify(sub));
    return answer(202, {
      data: [
        {
          id: sub.id,
          status: sub.status,
          type,
          version,
          condition,
          created_at: new Date().toISOString(),
          transport: { method: 'webhook', callback },
          cost: 0,
        },
      ],
      total: subscriptions.length,
      total_cost: 0,
      max_total_cost: 10_000,
    });
  }

  function subscriptionObject(sub: FakeSubscription, status: string = sub.status): Record<string, unknown> {
    return {
      id: sub.id,
      status,
      type: sub.type,
      version: sub.version,
      cost: 0,
      condition: sub.condition,
      transport:
        sub.method === 'webhook'
          ? { method: 'webhook', callback: sub.callback }
          : { method: 'websocket', session_id: sub.sessionId },
      created_at: new Date().toISOString(),
    };
  }

  /** POSTs a signed webhook message for `sub`; resolves with the callback's answer. */
  async function post(
    sub: FakeSubscription,
    messageType: string,
    payload: Record<string, unknown>,
    messageId: string = randomUUID(),
  ): Promise<{ status: number; body: string }> {
    const request = twitchWebhookRequest(sub.secret ?? '', messageType, payload, {
      messageId,
      subscriptionType: sub.type,
      subscriptionVersion: sub.version,
    });
    let answer: { status: number; body: string };
    try {
      answer = await webhookSender({ url: sub.callback ?? '', ...request });
    } catch {
      answer = { status: 0, body: '' };
    }
    webhookDeliveries.push({ messageId, messageType, status: answer.status });
    return answer;
  }

  async function verify(sub: FakeSubscription): Promise<void> {
    const challenge = `challenge-${randomUUID()}`;
    const answer = await post(sub, 'webhook_callback_verification', {
      challenge,
      subscription: subscriptionObject(sub),
    });
    const index = subscriptions.indexOf(sub);
    if (index < 0) return;
    if (answer.status >= 200 && answer.status < 300 && answer.body === challenge) sub.status = 'enabled';
    else subscriptions.splice(index, 1); // webhook_callback_verification_failed
  }

  function chat(
    kind: 'user' | 'app',
    body: Record<string, unknown> | undefined,
    answer: (status: number, payload?: unknown) => Done,
  ): Done {
    const broadcasterId = body?.broadcaster_id;
    const senderId = body?.sender_id;
    const message = body?.message;
    if (typeof broadcasterId !== 'string' || typeof senderId !== 'string' || typeof message !== 'string') {
      return answer(400, { error: 'Bad Request', status: 400, message: 'Missing required parameter' });
    }
    if ([...message].length > 500) {
      return answer(400, { error: 'Bad Request', status: 400, message: 'The message is too long' });
    }
    if (kind === 'user' && (senderId !== bot.id || !scopes.includes('user:write:chat'))) {
      return answer(403, {
        error: 'Forbidden',
        status: 403,
        message: 'The sender must be the token user with user:write:chat',
      });
    }
    if (kind === 'app' && !(options.appMayChat ?? true)) {
      return answer(403, {
        error: 'Forbidden',
        status: 403,
        message: 'The broadcaster has not granted channel:bot and the bot is not a moderator',
      });
    }
    const parent = body?.reply_parent_message_id;
    const dropped = drop;
    drop = undefined;
    chatMessages.push({
      broadcasterId,
      senderId,
      message,
      ...(typeof parent === 'string' ? { replyParentMessageId: parent } : {}),
      as: kind,
      isSent: !dropped,
      ...(dropped ? { dropReason: dropped.code } : {}),
    });
    return answer(200, {
      data: [
        {
          message_id: dropped ? '' : randomUUID(),
          is_sent: !dropped,
          drop_reason: dropped ?? null,
        },
      ],
    });
  }

  return {
    url,
    apiUrl: `${url}/helix`,
    authUrl: `${url}/oauth2`,
    wsUrl,
    clientId,
    clientSecret,
    refreshToken: options.refreshToken ?? 'fake-refresh-token',
    bot,
    calls,
    chatMessages,
    webhookDeliveries,
    setWebhookSender(sender) {
      webhookSender = sender;
    },
    subscriptions: () => [...subscriptions],
    connectionCount: () => connections,
    openSessionCount: () => sessions.size,
    currentRefreshToken: () => refreshToken,
    notify(type, event, notifyOptions = {}) {
      const broadcaster = event.broadcaster_user_id;
      const targets = subscriptions.filter(
        (sub) =>
          sub.type === type &&
          sub.condition.broadcaster_user_id === broadcaster &&
          sub.status === 'enabled' &&
          (sub.method === 'webhook' || sessions.has(sub.sessionId)),
      );
      if (targets.length === 0)
        throw new Error(`no session is subscribed to ${type} for ${String(broadcaster)}`);
      const messageId = notifyOptions.messageId ?? randomUUID();
      for (const sub of targets) {
        if (sub.method === 'webhook') {
          const times = notifyOptions.duplicate ? 2 : 1;
          void (async () => {
            for (let i = 0; i < times; i += 1) {
              await post(sub, 'notification', { subscription: subscriptionObject(sub), event }, messageId);
            }
          })();
          continue;
        }
        const session = sessions.get(sub.sessionId);
        if (!session) continue;
        const subscription = {
          id: sub.id,
          status: 'enabled',
          type: sub.type,
          version: sub.version,
          cost: 0,
          condition: sub.condition,
          transport: { method: 'websocket', session_id: sub.sessionId },
          created_at: new Date().toISOString(),
        };
        const times = notifyOptions.duplicate ? 2 : 1;
        for (let i = 0; i < times; i += 1) {
          send(
            session.socket,
            'notification',
            { subscription, event },
            { subscription_type: sub.type, subscription_version: sub.version },
            messageId,
          );
        }
      }
      return messageId;
    },
    async reconnect() {
      const waits: Promise<void>[] = [];
      for (const session of sessions.values()) {
        waits.push(new Promise<void>((resolve) => moved.set(session.id, resolve)));
        send(
          session.socket,
          'session_reconnect',
          sessionPayload(session.id, 'reconnecting', `${wsUrl}?reconnect=${session.id}`),
        );
      }
      await Promise.all(waits);
    },
    revoke(type, status = 'authorization_revoked') {
      for (let index = subscriptions.length - 1; index >= 0; index -= 1) {
        const sub = subscriptions[index];
        if (!sub || sub.type !== type) continue;
        subscriptions.splice(index, 1);
        if (sub.method === 'webhook') {
          void post(sub, 'revocation', { subscription: subscriptionObject(sub, status) });
          continue;
        }
        const session = sessions.get(sub.sessionId);
        if (!session) continue;
        send(
          session.socket,
          'revocation',
          {
            subscription: {
              id: sub.id,
              status,
              type: sub.type,
              version: sub.version,
              cost: 0,
              condition: sub.condition,
              transport: { method: 'websocket', session_id: sub.sessionId },
              created_at: new Date().toISOString(),
            },
          },
          { subscription_type: sub.type, subscription_version: sub.version },
        );
      }
    },
    closeSessions(code = 4000) {
      for (const session of sessions.values()) session.socket.close(code);
    },
    silence() {
      silent = true;
    },
    expireUserTokens() {
      userTokens.clear();
    },
    dropNext(code, message) {
      drop = { code, message };
    },
    exhaustRateLimit(seconds) {
      emptyUntil = Date.now() + seconds * 1000;
      announceEmpty = true;
    },
    tooManyRequests: () => tooMany,
    async close() {
      for (const session of sessions.values()) clearInterval(session.keepalive);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The headers and body of a webhook POST as Twitch makes it: `Twitch-Eventsub-Message-Id`,
 * `-Message-Timestamp` (RFC 3339), `-Message-Type`, `-Subscription-Type`, `-Subscription-Version`,
 * and `-Message-Signature` = `sha256=` + hex HMAC-SHA256(secret, id + timestamp + body). Tests
 * forge bad ones by changing the result.
 */
export function twitchWebhookRequest(
  secret: string,
  messageType: string,
  payload: Record<string, unknown>,
  options: {
    messageId?: string;
    timestamp?: string;
    subscriptionType?: string;
    subscriptionVersion?: string;
  } = {},
): { headers: Record<string, string>; body: string } {
  const messageId = options.messageId ?? randomUUID();
  const timestamp = options.timestamp ?? new Date().toISOString();
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret)
    .update(messageId + timestamp + body)
    .digest('hex')}`;
  return {
    headers: {
      'content-type': 'application/json',
      'twitch-eventsub-message-id': messageId,
      'twitch-eventsub-message-retry': '0',
      'twitch-eventsub-message-type': messageType,
      'twitch-eventsub-message-signature': signature,
      'twitch-eventsub-message-timestamp': timestamp,
      'twitch-eventsub-subscription-type': options.subscriptionType ?? '',
      'twitch-eventsub-subscription-version': options.subscriptionVersion ?? '1',
    },
    body,
  };
}

/** Webhook POSTs over HTTP (a callback chatgate listens on). */
const httpWebhookSender: WebhookSender = async (post) => {
  const answer = await fetch(post.url, { method: 'POST', headers: post.headers, body: post.body });
  return { status: answer.status, body: await answer.text() };
};

/** What a handler returns once it has answered. */
type Done = true;

function json(res: ServerResponse, status: number, payload: unknown): Done {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
  return true;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
