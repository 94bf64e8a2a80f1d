/**
 * A broadcaster authorizes chatgate for their channel's events (redemptions, cheers, follows) with
 * Twitch's authorization code grant flow
 * (https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#authorization-code-grant-flow):
 * 1. an admin asks for the authorize URL of a channel: `{authUrl}/authorize?response_type=code&
 *    client_id&redirect_uri=TWITCH_REDIRECT_URL&scope&state`, the `state` signed (HMAC-SHA256 under
 *    the client secret) with the channel and an expiry (10 minutes), usable once;
 * 2. the broadcaster opens it and consents; Twitch redirects to `TWITCH_REDIRECT_URL` (which must
 *    reach `/api/v1/platforms/twitch/oauth/callback`) with `code`, `scope` and the `state`;
 * 3. the callback checks the state, exchanges the code at `{authUrl}/token`, asks
 *    `{authUrl}/validate` whose token it is (https://dev.twitch.tv/docs/authentication/validate-tokens/),
 *    requires that user to be the channel's broadcaster, and stores the refresh token as the
 *    channel's `broadcaster` grant (sealed in the platform grant store).
 * An admin may instead hand over a broadcaster's refresh token; it is refreshed and validated the
 * same way before it is stored. Tokens never appear in answers, errors or logs.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { request } from 'undici';
import type { PlatformGrants } from '../../../src/core/platform.js';
import type { HelixClient, HelixUser } from './helix.js';
import { postToken, type TokenAnswer, TwitchAuthError, type TwitchCredentials } from './tokens.js';

/**
 * The scopes asked of a broadcaster: their channel's redemptions, cheers and follows, and
 * `channel:bot`, which lets the app send there with the Chat Bot badge (https://dev.twitch.tv/docs/chat/).
 */
export const BROADCASTER_SCOPES = [
  'channel:read:redemptions',
  'bits:read',
  'moderator:read:followers',
  'channel:bot',
] as const;

/** How long an authorize URL's state is good for, ms. */
export const STATE_TTL_MS = 10 * 60_000;

/** An authorization step that cannot go on: `status` and `code` for the HTTP answer. */
export class AuthorizationError extends Error {
  override readonly name = 'AuthorizationError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A stored broadcaster grant, as answered (no token). */
export interface GrantSummary {
  channel: string;
  userId: string;
  scopes: string[];
}

export interface AuthorizationOptions {
  credentials: Pick<TwitchCredentials, 'clientId' | 'clientSecret' | 'authUrl'>;
  /** `TWITCH_REDIRECT_URL`; unset: only refresh tokens can be handed over. */
  redirectUrl: string | undefined;
  helix: HelixClient;
  grants: PlatformGrants | undefined;
  now(): number;
  /** A grant was stored for `broadcaster` (its session starts). */
  granted(broadcaster: HelixUser): void;
  /** `broadcaster`'s grant was forgotten (its session stops). */
  revoked?(broadcaster: HelixUser): void;
}

/** The longest wait for Twitch's OAuth server, ms. */
const VALIDATE_TIMEOUT_MS = 10_000;

/**
 * The flow above. Every method throws AuthorizationError for what the caller can fix (a 400/404)
 * and for Twitch refusing (a 502 `twitch_refused`).
 */
export class BroadcasterAuthorization {
  /** Nonces of states already used, until they expire. */
  private readonly used = new Map<string, number>();

  constructor(private readonly options: AuthorizationOptions) {}

  /** The authorize URL for `login`'s broadcaster, its state, and the scopes asked. */
  async authorizeUrl(
    login: string,
  ): Promise<{ url: string; state: string; scopes: string[]; expiresIn: number }> {
    const { redirectUrl, credentials } = this.options;
    if (!redirectUrl) {
      throw new AuthorizationError(
        404,
        'not_configured',
        'TWITCH_REDIRECT_URL is not set: the authorization code flow is off',
      );
    }
    this.requireWritable();
    await this.broadcaster(login);
    const state = this.sign(login, this.options.now() + STATE_TTL_MS);
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: credentials.clientId,
      redirect_uri: redirectUrl,
      scope: BROADCASTER_SCOPES.join(' '),
      state,
    });
    const url = `${credentials.authUrl.replace(/\/+$/, '')}/authorize?${query.toString()}`;
    return { url, state, scopes: [...BROADCASTER_SCOPES], expiresIn: STATE_TTL_MS / 1000 };
  }

  /** Twitch's redirect: `code` and `state`, or `error` when the broadcaster declined. */
  async complete(query: {
    code?: string;
    state?: string;
    error?: string;
    error_description?: string;
  }): Promise<GrantSummary> {
    const login = this.verify(query.state);
    if (query.error) {
      throw new AuthorizationError(
        400,
        'authorization_denied',
        `the broadcaster of #${login} did not authorize chatgate (${query.error})`,
      );
    }
    if (!query.code) throw new AuthorizationError(400, 'validation_error', 'code: required');
    const { redirectUrl } = this.options;
    const answer = await this.token(
      { grant_type: 'authorization_code', code: query.code, redirect_uri: redirectUrl ?? '' },
      'exchanging the authorization code',
    );
    return this.store(login, answer);
  }

  /** An admin hands over `login`'s broadcaster refresh token: refreshed, validated, stored. */
  async acceptRefreshToken(login: string, refreshToken: string): Promise<GrantSummary> {
    this.requireWritable();
    const answer = await this.token(
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      'refreshing the broadcaster token',
    );
    return this.store(login, { ...answer, refreshToken: answer.refreshToken ?? refreshToken });
  }

  /** The stored broadcaster grants, without tokens (channel logins as Get Users gives them). */
  async list(): Promise<Array<GrantSummary & { updatedAt: number }>> {
    const stored = (await this.options.grants?.list('broadcaster')) ?? [];
    const users =
      stored.length > 0
        ? await this.lookUp(() => this.options.helix.usersById(stored.map((g) => g.subjectId)))
        : [];
    return stored.map((grant) => ({
      channel: users.find((user) => user.id === grant.subjectId)?.login ?? '',
      userId: grant.subjectId,
      scopes: grant.scopes,
      updatedAt: grant.updatedAt,
    }));
  }

  /** Forgets `login`'s broadcaster grant; false when there was none. */
  async revoke(login: string): Promise<{ removed: boolean; broadcaster: HelixUser }> {
    const broadcaster = await this.broadcaster(login);
    const removed = (await this.options.grants?.remove('broadcaster', broadcaster.id)) ?? false;
    if (removed) this.options.revoked?.(broadcaster);
    return { removed, broadcaster };
  }

  private async store(login: string, answer: TokenAnswer): Promise<GrantSummary> {
    const broadcaster = await this.broadcaster(login);
    const who = await this.validate(answer.accessToken);
    if (who.userId !== broadcaster.id) {
      throw new AuthorizationError(
        400,
        'wrong_user',
        `the token belongs to ${who.login}, not to the broadcaster of #${broadcaster.login}: the broadcaster must authorize`,
      );
    }
    if (!answer.refreshToken)
      throw new AuthorizationError(502, 'twitch_refused', 'Twitch gave no refresh token');
    const scopes = who.scopes.length > 0 ? who.scopes : answer.scopes;
    this.requireWritable();
    await this.options.grants?.put({
      role: 'broadcaster',
      subjectId: broadcaster.id,
      scopes,
      refreshToken: answer.refreshToken,
    });
    this.options.granted(broadcaster);
    return { channel: broadcaster.login, userId: broadcaster.id, scopes };
  }

  private requireWritable(): void {
    if (!this.options.grants?.writable) {
      throw new AuthorizationError(
        400,
        'secret_key_not_set',
        'broadcaster grants cannot be stored because CHATGATE_SECRET_KEY is not set; set it (16 characters or more) and restart chatgate',
      );
    }
  }

  private async broadcaster(login: string): Promise<HelixUser> {
    const [user] = await this.lookUp(() => this.options.helix.usersByLogin([login]));
    if (!user) throw new AuthorizationError(404, 'not_found', `Twitch knows no channel ${login}`);
    return user;
  }

  /** Get Users, its failure (Helix unreachable or refusing, no token) a 502 `twitch_unreachable`. */
  private async lookUp(call: () => Promise<HelixUser[]>): Promise<HelixUser[]> {
    try {
      return await call();
    } catch (error: unknown) {
      // A network error by its code (ECONNREFUSED …): its message names the address.
      const code = (error as { code?: unknown } | null)?.code;
      const why = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
      throw new AuthorizationError(502, 'twitch_unreachable', `Get Users failed: ${why}`, { cause: error });
    }
  }

  private async token(form: Record<string, string>, what: string): Promise<TokenAnswer> {
    try {
      return await postToken(this.options.credentials, form, what);
    } catch (error: unknown) {
      if (error instanceof TwitchAuthError && error.fatal) {
        throw new AuthorizationError(400, 'grant_refused', error.message, { cause: error });
      }
      throw new AuthorizationError(
        502,
        'twitch_unreachable',
        String(error instanceof Error ? error.message : error),
        {
          cause: error,
        },
      );
    }
  }

  /** `GET {authUrl}/validate`: whose token this is and its scopes. */
  private async validate(accessToken: string): Promise<{ userId: string; login: string; scopes: string[] }> {
    const url = `${this.options.credentials.authUrl.replace(/\/+$/, '')}/validate`;
    let status: number;
    let body: Record<string, unknown> | undefined;
    try {
      const answer = await request(url, {
        headers: { authorization: `OAuth ${accessToken}` },
        headersTimeout: VALIDATE_TIMEOUT_MS,
        bodyTimeout: VALIDATE_TIMEOUT_MS,
      });
      status = answer.statusCode;
      body = (await answer.body.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    } catch (error: unknown) {
      throw new AuthorizationError(502, 'twitch_unreachable', 'validating the token failed', {
        cause: error,
      });
    }
    if (status !== 200 || typeof body?.user_id !== 'string') {
      throw new AuthorizationError(502, 'twitch_refused', `validating the token answered HTTP ${status}`);
    }
    const scopes = Array.isArray(body.scopes)
      ? body.scopes.filter((s): s is string => typeof s === 'string')
      : [];
    return {
      userId: body.user_id,
      login: typeof body.login === 'string' ? body.login : body.user_id,
      scopes,
    };
  }

  /** `base64url({"l":login,"e":expiresAt,"n":nonce}).base64url(hmac)` */
  private sign(login: string, expiresAt: number): string {
    const payload = Buffer.from(
      JSON.stringify({ l: login, e: expiresAt, n: randomBytes(12).toString('base64url') }),
    ).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The channel login a state was made for. @throws AuthorizationError 400 `invalid_state`. */
  private verify(state: string | undefined): string {
    const refuse = (why: string): never => {
      throw new AuthorizationError(400, 'invalid_state', `state: ${why}; ask for a new authorize URL`);
    };
    if (!state) return refuse('required');
    const [payload, mac, extra] = state.split('.');
    if (!payload || !mac || extra !== undefined) return refuse('not a state chatgate made');
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return refuse('not a state chatgate made');
    }
    let fields: { l?: unknown; e?: unknown; n?: unknown };
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return refuse('not a state chatgate made');
    }
    const now = this.options.now();
    if (typeof fields.l !== 'string' || typeof fields.e !== 'number' || typeof fields.n !== 'string') {
      return refuse('not a state chatgate made');
    }
    if (fields.e < now) return refuse('expired');
    for (const [nonce, until] of this.used) if (until < now) this.used.delete(nonce);
    if (this.used.has(fields.n)) return refuse('used already');
    this.used.set(fields.n, fields.e);
    return fields.l;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.options.credentials.clientSecret)
      .update(`chatgate/twitch/oauth-state/v1:${payload}`)
      .digest('base64url');
  }
}
