/**
 * A small Helix client (undici) for the calls the EventSub transport makes: Get Users, Create and
 * Delete EventSub Subscription, Send Chat Message (https://dev.twitch.tv/docs/api/reference/).
 * Every call carries `Client-Id` and `Authorization: Bearer <token>`; a 401 renews the token once
 * and retries once; the rate-limit headers (`Ratelimit-Remaining`, `Ratelimit-Reset` in epoch
 * seconds, https://dev.twitch.tv/docs/api/guide/#twitch-rate-limits) are honoured: with nothing
 * remaining, calls wait for the reset (and a 429 is retried once after it).
 */
import { request } from 'undici';
import type { Clock } from '../../../src/core/adapter-kit/clock.js';
import { type TokenKind, type TokenSource, TwitchAuthError, type TwitchTokens } from './tokens.js';

/** The longest wait for one Helix answer, ms. */
const CALL_TIMEOUT_MS = 10_000;
/** The longest wait for a rate-limit reset, ms (Twitch refills its bucket within a minute). */
const MAX_RESET_WAIT_MS = 60_000;

/** What a Helix call answered: the status and the parsed JSON (undefined for an empty body). */
export interface HelixAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** A Twitch user as Get Users describes it (https://dev.twitch.tv/docs/api/reference/#get-users). */
export interface HelixUser {
  id: string;
  login: string;
  displayName: string;
}

/** Where Twitch delivers a subscription's events (https://dev.twitch.tv/docs/eventsub/#transports). */
export type EventSubTransport =
  | { method: 'websocket'; session_id: string }
  | { method: 'webhook'; callback: string; secret: string };

/** What Create EventSub Subscription came to (https://dev.twitch.tv/docs/api/reference/#create-eventsub-subscription). */
export type SubscribeOutcome =
  | { kind: 'created'; id: string }
  /** 409: the same subscription exists already (fine). */
  | { kind: 'exists' }
  /** 403: the token lacks a scope or grant; `message` is Twitch's. */
  | { kind: 'forbidden'; message: string }
  | { kind: 'failed'; status: number; message: string };

/** What Send Chat Message came to (https://dev.twitch.tv/docs/api/reference/#send-chat-message). */
export type SendOutcome =
  | { kind: 'sent'; messageId: string }
  /** 200 with `is_sent: false`: Twitch dropped it (`drop_reason.code`, e.g. `msg_duplicate`). */
  | { kind: 'dropped'; code: string; message: string }
  | { kind: 'refused'; status: number; message: string };

/** A chat message to send. */
export interface ChatMessageRequest {
  broadcasterId: string;
  senderId: string;
  message: string;
  replyParentMessageId?: string;
}

export interface HelixOptions {
  /** Helix's root, e.g. `https://api.twitch.tv/helix`. */
  apiUrl: string;
  clientId: string;
  tokens: TwitchTokens;
  clock: Clock;
  /** Called once per wait for a rate-limit reset (a metric). */
  onRateLimited?(): void;
}

/**
 * Helix calls with the token handling and rate limits above.
 *
 * @example
 * const helix = new HelixClient({ apiUrl, clientId, tokens, clock: systemClock });
 * const users = await helix.usersByLogin(['xqcow']);
 */
export class HelixClient {
  private remaining: number | undefined;
  private resetAt = 0;
  private readonly root: string;

  constructor(private readonly options: HelixOptions) {
    this.root = options.apiUrl.replace(/\/+$/, '');
  }

  /** True while the rate-limit bucket is empty and its reset is still ahead. */
  limited(): boolean {
    return this.remaining !== undefined && this.remaining <= 0 && this.options.clock.now() < this.resetAt;
  }

  /**
   * One call as `as` (the bot user's or the app token, or another user's token source: a
   * broadcaster's). Resolves with any HTTP status; rejects only with TwitchAuthError (no token) or
   * a network error.
   */
  async call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options: { query?: URLSearchParams; body?: unknown; as?: TokenKind | TokenSource } = {},
  ): Promise<HelixAnswer> {
    const source = this.sourceOf(options.as ?? 'user');
    let token = await source.current();
    let answer = await this.once(method, path, token, options);
    if (answer.status === 401) {
      token = await source.renew(token);
      answer = await this.once(method, path, token, options);
    }
    if (answer.status === 429) {
      this.remaining = 0;
      answer = await this.once(method, path, token, options);
    }
    return answer;
  }

  private sourceOf(as: TokenKind | TokenSource): TokenSource {
    if (typeof as === 'object') return as;
    const { tokens } = this.options;
    return { current: () => tokens.current(as), renew: (stale) => tokens.renew(as, stale) };
  }

  /** Get Users by login, up to 100 per request; logins Twitch does not know are left out. */
  async usersByLogin(logins: readonly string[]): Promise<HelixUser[]> {
    return this.users(logins.map((login) => ['login', login]));
  }

  /** Get Users by id (the bot's own login). */
  async usersById(ids: readonly string[]): Promise<HelixUser[]> {
    return this.users(ids.map((id) => ['id', id]));
  }

  /**
   * Creates a subscription: on a WebSocket session with a user token (Twitch accepts no other
   * there; the bot's unless `as` names another user's), or to a webhook with the app token.
   */
  async subscribe(
    type: string,
    version: string,
    condition: Record<string, string>,
    transport: EventSubTransport,
    as?: TokenSource,
  ): Promise<SubscribeOutcome> {
    const answer = await this.call('POST', '/eventsub/subscriptions', {
      as: transport.method === 'webhook' ? 'app' : (as ?? 'user'),
      body: { type, version, condition, transport },
    });
    if (answer.status === 202 || answer.status === 200) {
      const data = answer.body?.data;
      const first = Array.isArray(data) ? (data[0] as Record<string, unknown> | undefined) : undefined;
      return { kind: 'created', id: typeof first?.id === 'string' ? first.id : '' };
    }
    if (answer.status === 409) return { kind: 'exists' };
    if (answer.status === 403) return { kind: 'forbidden', message: messageOf(answer) };
    return { kind: 'failed', status: answer.status, message: messageOf(answer) };
  }

  /** Deletes a subscription (with the token that made it); true when Twitch confirmed it (204) or had none (404). */
  async unsubscribe(id: string, as: TokenKind | TokenSource = 'user'): Promise<boolean> {
    const answer = await this.call('DELETE', '/eventsub/subscriptions', {
      as,
      query: new URLSearchParams({ id }),
    });
    return answer.status === 204 || answer.status === 404;
  }

  /** Sends one chat message as `as`. Never retries a dropped message. */
  async sendChatMessage(message: ChatMessageRequest, as: TokenKind): Promise<SendOutcome> {
    const answer = await this.call('POST', '/chat/messages', {
      as,
      body: {
        broadcaster_id: message.broadcasterId,
        sender_id: message.senderId,
        message: message.message,
        ...(message.replyParentMessageId && { reply_parent_message_id: message.replyParentMessageId }),
      },
    });
    if (answer.status !== 200) return { kind: 'refused', status: answer.status, message: messageOf(answer) };
    const data = answer.body?.data;
    const first = (Array.isArray(data) ? data[0] : undefined) as Record<string, unknown> | undefined;
    if (first?.is_sent === true) {
      return { kind: 'sent', messageId: typeof first.message_id === 'string' ? first.message_id : '' };
    }
    const reason = (first?.drop_reason ?? {}) as Record<string, unknown>;
    return {
      kind: 'dropped',
      code: typeof reason.code === 'string' ? reason.code : 'unknown',
      message: typeof reason.message === 'string' ? reason.message : '',
    };
  }

  private async users(pairs: Array<[string, string]>): Promise<HelixUser[]> {
    const found: HelixUser[] = [];
    for (let start = 0; start < pairs.length; start += 100) {
      const answer = await this.call('GET', '/users', {
        query: new URLSearchParams(pairs.slice(start, start + 100)),
      });
      if (answer.status !== 200) {
        throw new HelixError(`Get Users answered ${answer.status}: ${messageOf(answer)}`, answer.status);
      }
      const data = Array.isArray(answer.body?.data) ? (answer.body.data as Record<string, unknown>[]) : [];
      for (const user of data) {
        if (typeof user.id !== 'string' || typeof user.login !== 'string') continue;
        const displayName = typeof user.display_name === 'string' ? user.display_name : user.login;
        found.push({ id: user.id, login: user.login.toLowerCase(), displayName });
      }
    }
    return found;
  }

  private async once(
    method: string,
    path: string,
    token: string,
    options: { query?: URLSearchParams; body?: unknown },
  ): Promise<HelixAnswer> {
    await this.waitForReset();
    const query = options.query ? `?${options.query.toString()}` : '';
    const answer = await request(`${this.root}${path}${query}`, {
      method,
      headers: {
        'client-id': this.options.clientId,
        authorization: `Bearer ${token}`,
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
      headersTimeout: CALL_TIMEOUT_MS,
      bodyTimeout: CALL_TIMEOUT_MS,
    });
    this.noteRateLimit(answer.headers);
    const text = await answer.body.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      body = undefined;
    }
    return { status: answer.statusCode, body };
  }

  private noteRateLimit(headers: Record<string, string | string[] | undefined>): void {
    const remaining = Number(headerOf(headers, 'ratelimit-remaining'));
    const reset = Number(headerOf(headers, 'ratelimit-reset'));
    if (Number.isFinite(remaining) && headerOf(headers, 'ratelimit-remaining') !== undefined) {
      this.remaining = remaining;
    }
    if (Number.isFinite(reset) && reset > 0) this.resetAt = reset * 1000;
  }

  private async waitForReset(): Promise<void> {
    if (!this.limited()) return;
    const { clock } = this.options;
    const waitMs = Math.min(Math.max(0, this.resetAt - clock.now()), MAX_RESET_WAIT_MS);
    this.options.onRateLimited?.();
    await new Promise<void>((resolve) => clock.schedule(resolve, waitMs));
    this.remaining = undefined;
  }
}

/** A Helix answer the caller cannot go on with (Get Users refused). */
export class HelixError extends Error {
  override readonly name = 'HelixError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export { TwitchAuthError };

/** Twitch's error `message` (`{ error, status, message }`), or the status line's gist. */
function messageOf(answer: HelixAnswer): string {
  const message = answer.body?.message;
  return typeof message === 'string' ? message : `HTTP ${answer.status}`;
}

function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
