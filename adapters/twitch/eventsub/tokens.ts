/**
 * The bot's Twitch tokens, obtained from Twitch's OAuth server (`{authUrl}/token`, form-encoded):
 * - a user access token from the bot user's refresh token (`grant_type=refresh_token`,
 *   https://dev.twitch.tv/docs/authentication/refresh-tokens/): subscribing over WebSocket and, as
 *   a fallback, sending;
 * - an app access token from the client credentials (`grant_type=client_credentials`,
 *   https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#client-credentials-grant-flow):
 *   sending as the app, which earns the Chat Bot badge (https://dev.twitch.tv/docs/chat/).
 *
 * Twitch may hand back a new refresh token with each refresh; the newest is kept in memory (there
 * is no store for platform secrets yet), so a restart starts again from `TWITCH_REFRESH_TOKEN`.
 * Tokens never appear in error text or logs. Concurrent refreshes share one request.
 */
import { request } from 'undici';

/** What the token endpoint needs. */
export interface TwitchCredentials {
  clientId: string;
  clientSecret: string;
  /** The bot user's refresh token, as configured. */
  refreshToken: string;
  /** The OAuth root, e.g. `https://id.twitch.tv/oauth2` (no trailing `/token`). */
  authUrl: string;
}

/** Which token a call is made with. */
export type TokenKind = 'user' | 'app';

/**
 * Getting a token failed. `fatal` when Twitch refused the credentials themselves (a revoked or
 * mistyped refresh token, a wrong client secret: HTTP 400/401/403), so retrying cannot help.
 * The message quotes Twitch's `message` field, never a token.
 */
export class TwitchAuthError extends Error {
  override readonly name = 'TwitchAuthError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly fatal: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The longest wait for the token endpoint, ms. */
const TOKEN_TIMEOUT_MS = 10_000;

/**
 * Holds and renews the user and app access tokens.
 *
 * @example
 * const tokens = new TwitchTokens({ clientId, clientSecret, refreshToken, authUrl });
 * const user = await tokens.current('user');   // refreshes on first use
 * const fresh = await tokens.renew('user', user); // after a Helix 401
 */
export class TwitchTokens {
  private refreshToken: string;
  private readonly tokens: Partial<Record<TokenKind, string>> = {};
  private readonly pending: Partial<Record<TokenKind, Promise<string>>> = {};

  constructor(private readonly credentials: TwitchCredentials) {
    this.refreshToken = credentials.refreshToken;
  }

  /** The token of `kind`, fetched on first use. @throws TwitchAuthError */
  async current(kind: TokenKind): Promise<string> {
    return this.tokens[kind] ?? this.renew(kind);
  }

  /**
   * A new token of `kind`. When `stale` is given and another caller has already replaced it, that
   * newer token is returned without a second request. @throws TwitchAuthError
   */
  async renew(kind: TokenKind, stale?: string): Promise<string> {
    const held = this.tokens[kind];
    if (stale !== undefined && held !== undefined && held !== stale) return held;
    const running = this.pending[kind];
    if (running) return running;
    const fetching = this.fetch(kind).finally(() => {
      delete this.pending[kind];
    });
    this.pending[kind] = fetching;
    return fetching;
  }

  /** The newest refresh token Twitch gave (in memory only; see the file comment). */
  latestRefreshToken(): string {
    return this.refreshToken;
  }

  private async fetch(kind: TokenKind): Promise<string> {
    const { clientId, clientSecret } = this.credentials;
    const form = new URLSearchParams({ client_id: clientId, client_secret: clientSecret });
    if (kind === 'user') {
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', this.refreshToken);
    } else {
      form.set('grant_type', 'client_credentials');
    }
    const what = kind === 'user' ? 'refreshing the bot user token' : 'getting the app token';
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      answer = await request(`${this.credentials.authUrl.replace(/\/+$/, '')}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        headersTimeout: TOKEN_TIMEOUT_MS,
        bodyTimeout: TOKEN_TIMEOUT_MS,
      });
    } catch (error: unknown) {
      throw new TwitchAuthError(`${what} failed: ${errorCode(error)}`, undefined, false, { cause: error });
    }
    const body = (await answer.body.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (answer.statusCode !== 200 || typeof body?.access_token !== 'string') {
      const said = typeof body?.message === 'string' ? `: ${body.message}` : '';
      const status = answer.statusCode;
      // 400 "Invalid refresh token", 401/403 a bad client: the credentials themselves are refused.
      const fatal = status === 400 || status === 401 || status === 403;
      throw new TwitchAuthError(`${what} refused (HTTP ${status}${said})`, status, fatal);
    }
    if (kind === 'user' && typeof body.refresh_token === 'string' && body.refresh_token !== '') {
      this.refreshToken = body.refresh_token;
    }
    this.tokens[kind] = body.access_token;
    return body.access_token;
  }
}

/** A network error's code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT …), without its text. */
function errorCode(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.name : 'unknown error';
}
