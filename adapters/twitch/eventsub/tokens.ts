/**
 * Twitch tokens, obtained from Twitch's OAuth server (`{authUrl}/token`, form-encoded):
 * - a user access token from a refresh token (`grant_type=refresh_token`,
 *   https://dev.twitch.tv/docs/authentication/refresh-tokens/): the bot user's (subscribing over
 *   WebSocket and, as a fallback, sending) and each authorizing broadcaster's (their channel's
 *   redemptions, cheers and follows);
 * - an app access token from the client credentials (`grant_type=client_credentials`,
 *   https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#client-credentials-grant-flow):
 *   sending as the app, which earns the Chat Bot badge (https://dev.twitch.tv/docs/chat/).
 *
 * Twitch may hand back a new refresh token with each refresh; the newest goes to a `keeper` (the
 * platform grant store) when one is given, so that a restart goes on from it; the bot's stored
 * one is tried before `TWITCH_REFRESH_TOKEN`, which is the fallback when Twitch refuses it.
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
  /** Where the bot's newest refresh token is kept across restarts (unset: memory only). */
  keeper?: RefreshTokenKeeper;
}

/** Which token a call is made with. */
export type TokenKind = 'user' | 'app';

/** A user access token that can be renewed: what a Helix call made as someone else needs. */
export interface TokenSource {
  /** The token, fetched on first use. @throws TwitchAuthError */
  current(): Promise<string>;
  /** A new token, unless another caller already replaced `stale`. @throws TwitchAuthError */
  renew(stale?: string): Promise<string>;
}

/** Keeps a user's newest refresh token (and the scopes Twitch reported with it). */
export interface RefreshTokenKeeper {
  /** The stored refresh token, if any. May reject (the store is down): then it is not used. */
  load(): Promise<string | undefined>;
  /** Called after each refresh that changed the token. May reject: the token stays in memory. */
  save(refreshToken: string, scopes: string[]): Promise<void>;
}

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

/** What the token endpoint answered. */
export interface TokenAnswer {
  accessToken: string;
  /** Absent for an app token. */
  refreshToken?: string;
  /** The scopes Twitch says the token carries (`scope`, an array). */
  scopes: string[];
}

/**
 * One POST to `{authUrl}/token` with `form` (the client id and secret are added).
 * @param what the request in words, for the error (`refreshing the bot user token`).
 * @throws TwitchAuthError when unreachable (not fatal) or refused (fatal on 400/401/403).
 */
export async function postToken(
  credentials: Pick<TwitchCredentials, 'clientId' | 'clientSecret' | 'authUrl'>,
  form: Record<string, string>,
  what: string,
): Promise<TokenAnswer> {
  const body = new URLSearchParams({
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    ...form,
  });
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(`${credentials.authUrl.replace(/\/+$/, '')}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
      headersTimeout: TOKEN_TIMEOUT_MS,
      bodyTimeout: TOKEN_TIMEOUT_MS,
    });
  } catch (error: unknown) {
    throw new TwitchAuthError(`${what} failed: ${errorCode(error)}`, undefined, false, { cause: error });
  }
  const json = (await answer.body.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (answer.statusCode !== 200 || typeof json?.access_token !== 'string') {
    const said = typeof json?.message === 'string' ? `: ${json.message}` : '';
    const status = answer.statusCode;
    // 400 "Invalid refresh token" or a used code, 401/403 a bad client: refused for good.
    const fatal = status === 400 || status === 401 || status === 403;
    throw new TwitchAuthError(`${what} refused (HTTP ${status}${said})`, status, fatal);
  }
  const scopes = Array.isArray(json.scope)
    ? json.scope.filter((s): s is string => typeof s === 'string')
    : [];
  return {
    accessToken: json.access_token,
    ...(typeof json.refresh_token === 'string' && json.refresh_token !== ''
      ? { refreshToken: json.refresh_token }
      : {}),
    scopes,
  };
}

/**
 * A user's access token, renewed from their refresh token (the newest Twitch gave, handed to the
 * keeper). With a keeper, the stored refresh token is tried first and `refreshToken` (the
 * configured one) only when there is none or Twitch refuses the stored one.
 *
 * @example
 * const token = new UserToken({ clientId, clientSecret, authUrl, refreshToken }, 'the broadcaster token');
 * await token.current();
 */
export class UserToken implements TokenSource {
  private refreshToken: string;
  private token: string | undefined;
  private pending: Promise<string> | undefined;
  private loaded: boolean;

  constructor(
    private readonly credentials: TwitchCredentials,
    private readonly what: string,
  ) {
    this.refreshToken = credentials.refreshToken;
    this.loaded = credentials.keeper === undefined;
  }

  async current(): Promise<string> {
    return this.token ?? this.renew();
  }

  async renew(stale?: string): Promise<string> {
    if (stale !== undefined && this.token !== undefined && this.token !== stale) return this.token;
    if (this.pending) return this.pending;
    const fetching = this.fetch().finally(() => {
      this.pending = undefined;
    });
    this.pending = fetching;
    return fetching;
  }

  /** The newest refresh token Twitch gave. */
  latestRefreshToken(): string {
    return this.refreshToken;
  }

  private async fetch(): Promise<string> {
    const keeper = this.credentials.keeper;
    let stored: string | undefined;
    if (!this.loaded) {
      this.loaded = true;
      stored = await keeper?.load().catch(() => undefined);
      if (stored) this.refreshToken = stored;
    }
    let answer: TokenAnswer;
    try {
      answer = await this.refresh();
    } catch (error: unknown) {
      // The stored token is refused (revoked, or from another app): the configured one may work.
      const fallback = this.credentials.refreshToken;
      if (!(error instanceof TwitchAuthError && error.fatal) || !stored || stored === fallback) throw error;
      this.refreshToken = fallback;
      answer = await this.refresh();
    }
    const before = this.refreshToken;
    if (answer.refreshToken) this.refreshToken = answer.refreshToken;
    if (keeper && (this.refreshToken !== before || this.refreshToken !== stored)) {
      await keeper.save(this.refreshToken, answer.scopes).catch(() => undefined);
    }
    this.token = answer.accessToken;
    return answer.accessToken;
  }

  private refresh(): Promise<TokenAnswer> {
    return postToken(
      this.credentials,
      { grant_type: 'refresh_token', refresh_token: this.refreshToken },
      `refreshing ${this.what}`,
    );
  }
}

/**
 * Holds and renews the bot's user token and the app token.
 *
 * @example
 * const tokens = new TwitchTokens({ clientId, clientSecret, refreshToken, authUrl });
 * const user = await tokens.current('user');   // refreshes on first use
 * const fresh = await tokens.renew('user', user); // after a Helix 401
 */
export class TwitchTokens {
  private readonly user: UserToken;
  private app: string | undefined;
  private pendingApp: Promise<string> | undefined;

  constructor(private readonly credentials: TwitchCredentials) {
    this.user = new UserToken(credentials, 'the bot user token');
  }

  /** The token of `kind`, fetched on first use. @throws TwitchAuthError */
  async current(kind: TokenKind): Promise<string> {
    if (kind === 'user') return this.user.current();
    return this.app ?? this.renew('app');
  }

  /**
   * A new token of `kind`. When `stale` is given and another caller has already replaced it, that
   * newer token is returned without a second request. @throws TwitchAuthError
   */
  async renew(kind: TokenKind, stale?: string): Promise<string> {
    if (kind === 'user') return this.user.renew(stale);
    if (stale !== undefined && this.app !== undefined && this.app !== stale) return this.app;
    if (this.pendingApp) return this.pendingApp;
    const fetching = postToken(
      this.credentials,
      { grant_type: 'client_credentials' },
      'getting the app token',
    )
      .then((answer) => {
        this.app = answer.accessToken;
        return answer.accessToken;
      })
      .finally(() => {
        this.pendingApp = undefined;
      });
    this.pendingApp = fetching;
    return fetching;
  }

  /** The newest refresh token Twitch gave for the bot. */
  latestRefreshToken(): string {
    return this.user.latestRefreshToken();
  }
}

/** A network error's code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT …), without its text. */
function errorCode(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.name : 'unknown error';
}
