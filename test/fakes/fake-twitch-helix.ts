/**
 * A fake Twitch on loopback for the EventSub transport: the OAuth token endpoint, the Helix calls
 * chatgate makes, and the EventSub WebSocket server, on one port, following dev.twitch.tv:
 * - `POST /oauth2/token` (https://dev.twitch.tv/docs/authentication/refresh-tokens/): form-encoded
 *   `grant_type=refresh_token` (a new access token and a new refresh token; the old refresh token
 *   is then refused with 400 `Invalid refresh token`) and `grant_type=client_credentials` (an app
 *   token); a wrong client id or secret is a 403;
 * - broadcasters' grants: `GET /oauth2/authorize` (https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#authorization-code-grant-flow)
 *   consents as the user a test named with `consentAs` and redirects (302) to `redirect_uri` with
 *   `code`, `scope` and `state` (or `error=access_denied` when no one consents); `POST
 *   /oauth2/token` `grant_type=authorization_code` exchanges a code once, for the same
 *   `redirect_uri`; a granted user's refresh token rotates like the bot's; `issueRefreshToken`
 *   hands a test a user's refresh token as another tool would; `GET /oauth2/validate` with
 *   `Authorization: OAuth <token>` (https://dev.twitch.tv/docs/authentication/validate-tokens/)
 *   answers the token's `user_id`, `login` and `scopes`;
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
 * The WebSocket sessions, the subscriptions and the webhook POSTs are in twitch-eventsub-ws.ts,
 * twitch-eventsub-subscriptions.ts and twitch-eventsub-webhook.ts; this file is the server, the
 * OAuth and Helix endpoints and the controls. Tests push notifications, send a reconnect, expire
 * tokens, drop a message (`is_sent: false`),
 * empty the rate-limit bucket, silence keepalives, and read every call.
 *
 * @example
 * const fake = await startFakeTwitchHelix({ users: { mychan: '1001' } });
 * // TWITCH_API_URL=fake.apiUrl TWITCH_AUTH_URL=fake.authUrl TWITCH_EVENTSUB_WS_URL=fake.wsUrl
 * fake.notify('channel.chat.message', chatMessageEvent(…));
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type FakeSubscription, FakeSubscriptions } from './twitch-eventsub-subscriptions.js';
import {
  type FakeWebhookDelivery,
  FakeWebhookPoster,
  type WebhookSender,
} from './twitch-eventsub-webhook.js';
import { FakeEventSubSockets } from './twitch-eventsub-ws.js';

export type { FakeSubscription } from './twitch-eventsub-subscriptions.js';
export type { FakeWebhookDelivery, WebhookPost, WebhookSender } from './twitch-eventsub-webhook.js';
export { twitchWebhookRequest } from './twitch-eventsub-webhook.js';

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
  /** Whether the bot moderates every channel (its token may then subscribe to `channel.ban`). Default false. */
  botModerates?: boolean;
  /** The welcome's `keepalive_timeout_seconds`. Default 10. */
  keepaliveSeconds?: number;
  /** `Ratelimit-Limit`. Default 800. */
  rateLimit?: number;
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
  /** The user whose token it was (`token: 'user'`). */
  userId?: string;
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
  /** Who consents at `GET /oauth2/authorize` from now on (undefined: the user declines). */
  consentAs(login: string | undefined): void;
  /** A refresh token of `login` with `scopes`, as the user got it from another tool. */
  issueRefreshToken(login: string, scopes: readonly string[]): string;
  /** The scopes `login` granted this app, if any. */
  grantedScopes(login: string): readonly string[] | undefined;
  /** Every token, refresh token and code the fake ever issued (to look for leaks). */
  issuedSecrets(): string[];
  close(): Promise<void>;
}

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
  /** Access token → its user id. */
  const userTokens = new Map<string, string>();
  /** Broadcasters' grants by user id, and their refresh tokens → user id. */
  const grants = new Map<string, readonly string[]>();
  const userRefreshTokens = new Map<string, string>();
  const codes = new Map<string, { userId: string; scopes: string[]; redirectUri: string }>();
  const issued: string[] = [];
  let consenting: string | undefined;
  const appTokens = new Set<string>();
  const calls: FakeCall[] = [];
  const chatMessages: FakeChatMessage[] = [];
  const webhooks = new FakeWebhookPoster();
  const sockets = new Set<Socket>();
  let drop: { code: string; message: string } | undefined;
  let emptyUntil = 0;
  let announceEmpty = false;
  let tooMany = 0;

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const sessions = new FakeEventSubSockets(server, {
    url,
    keepaliveSeconds,
    onSessionEnd: (sessionId) => subscriptions.endSession(sessionId),
  });
  const subscriptions = new FakeSubscriptions(
    {
      botId: bot.id,
      scopes,
      appMayChat: options.appMayChat ?? true,
      botModerates: options.botModerates ?? false,
      sessionOpen: (sessionId) => sessions.has(sessionId),
      grantedScopes: (userId) => grants.get(userId),
    },
    webhooks,
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<Done> {
    const parsed = new URL(req.url ?? '/', url);
    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    if (parsed.pathname === '/oauth2/token' && method === 'POST') return token(res, new URLSearchParams(raw));
    if (parsed.pathname === '/oauth2/authorize' && method === 'GET')
      return authorize(res, parsed.searchParams);
    if (parsed.pathname === '/oauth2/validate' && method === 'GET') return validate(req, res);
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
    const tokenUser = bearer === undefined ? undefined : userTokens.get(bearer);
    const call: FakeCall = {
      method,
      path,
      query: parsed.searchParams,
      body,
      token: kind,
      status: 0,
      ...(tokenUser ? { userId: tokenUser } : {}),
    };
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
    if (path === '/eventsub/subscriptions' && method === 'POST') {
      const created = subscriptions.create(kind, body, tokenUser);
      return answer(created.status, created.payload);
    }
    if (path === '/eventsub/subscriptions' && method === 'DELETE') {
      if (subscriptions.delete(parsed.searchParams.get('id'))) return answer(204);
      return answer(404, { error: 'Not Found', status: 404, message: 'subscription not found' });
    }
    if (path === '/chat/messages' && method === 'POST') return chat(kind, body, answer, tokenUser);
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
      issued.push(access);
      return json(res, 200, { access_token: access, expires_in: 5_000_000, token_type: 'bearer' });
    }
    if (grant === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!code || code.redirectUri !== form.get('redirect_uri')) {
        return json(res, 400, { status: 400, message: 'Invalid authorization code' });
      }
      return json(res, 200, userGrant(code.userId, code.scopes));
    }
    if (grant === 'refresh_token') {
      const granted = userRefreshTokens.get(form.get('refresh_token') ?? '');
      if (granted !== undefined) {
        userRefreshTokens.delete(form.get('refresh_token') ?? '');
        return json(res, 200, userGrant(granted, [...(grants.get(granted) ?? [])]));
      }
      if (form.get('refresh_token') !== refreshToken) {
        return json(res, 400, { status: 400, message: 'Invalid refresh token' });
      }
      const access = `user-${randomUUID()}`;
      userTokens.set(access, bot.id);
      issued.push(access);
      refreshToken = `refresh-${randomUUID()}`;
      issued.push(refreshToken);
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

  /** A new access and refresh token of a granting user (the old refresh token is used up). */
  function userGrant(userId: string, scopes: string[]): Record<string, unknown> {
    grants.set(userId, scopes);
    const access = `user-${randomUUID()}`;
    const refresh = `refresh-${randomUUID()}`;
    userTokens.set(access, userId);
    userRefreshTokens.set(refresh, userId);
    issued.push(access, refresh);
    return {
      access_token: access,
      refresh_token: refresh,
      expires_in: 14_400,
      scope: scopes,
      token_type: 'bearer',
    };
  }

  function authorize(res: ServerResponse, query: URLSearchParams): Done {
    const redirectUri = query.get('redirect_uri');
    if (query.get('client_id') !== clientId || !redirectUri || query.get('response_type') !== 'code') {
      return json(res, 400, { status: 400, message: 'invalid authorize request' });
    }
    const back = new URL(redirectUri);
    const userId = consenting === undefined ? undefined : users.get(consenting);
    if (userId === undefined) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user denied you access');
    } else {
      const scopes = (query.get('scope') ?? '').split(' ').filter(Boolean);
      const code = `code-${randomUUID()}`;
      issued.push(code);
      codes.set(code, { userId, scopes, redirectUri });
      back.searchParams.set('code', code);
      back.searchParams.set('scope', scopes.join(' '));
    }
    back.searchParams.set('state', query.get('state') ?? '');
    res.writeHead(302, { location: back.toString() }).end();
    return true;
  }

  function validate(req: IncomingMessage, res: ServerResponse): Done {
    const token = /^OAuth (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const userId = userTokens.get(token);
    if (userId === undefined) return json(res, 401, { status: 401, message: 'invalid access token' });
    const login = [...users].find(([, id]) => id === userId)?.[0] ?? '';
    const granted = userId === bot.id ? scopes : [...(grants.get(userId) ?? [])];
    return json(res, 200, {
      client_id: clientId,
      login,
      scopes: granted,
      user_id: userId,
      expires_in: 14_000,
    });
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

  function chat(
    kind: 'user' | 'app',
    body: Record<string, unknown> | undefined,
    answer: (status: number, payload?: unknown) => Done,
    tokenUser: string | undefined,
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
    if (
      kind === 'user' &&
      (senderId !== tokenUser || senderId !== bot.id || !scopes.includes('user:write:chat'))
    ) {
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
    wsUrl: sessions.wsUrl,
    clientId,
    clientSecret,
    refreshToken: options.refreshToken ?? 'fake-refresh-token',
    bot,
    calls,
    chatMessages,
    webhookDeliveries: webhooks.deliveries,
    setWebhookSender(sender) {
      webhooks.setSender(sender);
    },
    subscriptions: () => [...subscriptions.list],
    connectionCount: () => sessions.connectionCount(),
    openSessionCount: () => sessions.openSessionCount(),
    currentRefreshToken: () => refreshToken,
    notify(type, event, notifyOptions = {}) {
      const broadcaster = event.broadcaster_user_id;
      const targets = subscriptions
        .enabled(type, broadcaster)
        .filter((sub) => sub.method === 'webhook' || sessions.has(sub.sessionId));
      if (targets.length === 0)
        throw new Error(`no session is subscribed to ${type} for ${String(broadcaster)}`);
      const messageId = notifyOptions.messageId ?? randomUUID();
      const times = notifyOptions.duplicate ? 2 : 1;
      for (const sub of targets) {
        const payload = { subscription: subscriptions.object(sub), event };
        if (sub.method === 'webhook') {
          void (async () => {
            for (let i = 0; i < times; i += 1) {
              await webhooks.post(subscriptions.target(sub), 'notification', payload, messageId);
            }
          })();
          continue;
        }
        const extra = { subscription_type: sub.type, subscription_version: sub.version };
        for (let i = 0; i < times; i += 1)
          sessions.send(sub.sessionId, 'notification', payload, extra, messageId);
      }
      return messageId;
    },
    reconnect: () => sessions.reconnect(),
    revoke(type, status = 'authorization_revoked') {
      for (const sub of subscriptions.removeWhere((found) => found.type === type)) {
        const payload = { subscription: subscriptions.object(sub, status) };
        if (sub.method === 'webhook') {
          void webhooks.post(subscriptions.target(sub), 'revocation', payload);
          continue;
        }
        const extra = { subscription_type: sub.type, subscription_version: sub.version };
        sessions.send(sub.sessionId, 'revocation', payload, extra);
      }
    },
    closeSessions: (code = 4000) => sessions.closeSessions(code),
    silence: () => sessions.silence(),
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
    consentAs(login) {
      consenting = login;
    },
    issueRefreshToken(login, granted) {
      const userId = users.get(login);
      if (userId === undefined) throw new Error(`the fake knows no user ${login}`);
      grants.set(userId, [...granted]);
      const refresh = `refresh-${randomUUID()}`;
      userRefreshTokens.set(refresh, userId);
      issued.push(refresh);
      return refresh;
    },
    grantedScopes: (login) => {
      const userId = users.get(login);
      return userId === undefined ? undefined : grants.get(userId);
    },
    issuedSecrets: () => [...issued],
    async close() {
      await sessions.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

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
