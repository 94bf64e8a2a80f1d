/**
 * Broadcaster grants (EventSub transport; eventsub/authorization.ts):
 * - `GET /api/v1/platforms/twitch/grants/:login/authorize` (admin): the Twitch authorize URL for
 *   the channel's broadcaster to open, with its signed `state` (10 minutes, once);
 * - `GET /api/v1/platforms/twitch/oauth/callback?code&scope&state` (open; the signed state is its
 *   guard): where `TWITCH_REDIRECT_URL` leads; exchanges the code and stores the grant;
 * - `PUT /api/v1/platforms/twitch/grants/:login` (admin) `{ "refresh_token": "…" }`: stores a
 *   broadcaster refresh token handed over directly (refreshed and validated first);
 * - `GET /api/v1/platforms/twitch/grants` (admin): the stored grants, never their tokens;
 * - `DELETE /api/v1/platforms/twitch/grants/:login` (admin): forgets one.
 * Without the EventSub transport: 404 `not_configured`. No answer ever carries a token.
 */
import Type from 'typebox';
import type { PlatformResponse, PlatformRoute } from '../../src/core/platform.js';
import type { TwitchAdapter } from './adapter.js';
import { AuthorizationError, type BroadcasterAuthorization } from './eventsub/authorization.js';
import { grantRouteDocs } from './grant-route-docs.js';

// Twitch logins: letters, digits and underscores, up to 25 chars (https://dev.twitch.tv/docs/irc/join-chat-room/).
const Login = Type.Object({ login: Type.String({ pattern: '^[A-Za-z0-9_]{1,25}$' }) });
const Callback = Type.Object({
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  scope: Type.Optional(Type.String({ maxLength: 2048 })),
  state: Type.String({ minLength: 1, maxLength: 1024 }),
  error: Type.Optional(Type.String({ maxLength: 256 })),
  error_description: Type.Optional(Type.String({ maxLength: 1024 })),
});
const RefreshTokenBody = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 512, pattern: '^[\\x21-\\x7e]+$' }) },
  { additionalProperties: false },
);

const NOT_CONFIGURED: PlatformResponse = {
  status: 404,
  error: { code: 'not_configured', detail: 'the Twitch EventSub transport is not configured' },
};

/** The grant routes over `adapter` (undefined, or the IRC transport: 404). */
export function twitchGrantRoutes(adapter: TwitchAdapter | undefined): PlatformRoute[] {
  const flow =
    adapter && 'authorization' in adapter
      ? (adapter as TwitchAdapter & { authorization(): BroadcasterAuthorization }).authorization()
      : undefined;
  const run = async (work: (flow: BroadcasterAuthorization) => Promise<PlatformResponse>) => {
    if (!flow) return NOT_CONFIGURED;
    try {
      return await work(flow);
    } catch (error: unknown) {
      if (error instanceof AuthorizationError) {
        return { status: error.status, error: { code: error.code, detail: error.message } };
      }
      throw error;
    }
  };
  const login = (params: Record<string, string>) => (params.login ?? '').toLowerCase();
  return [
    {
      method: 'GET',
      url: '/api/v1/platforms/twitch/grants/:login/authorize',
      ...grantRouteDocs('GET /api/v1/platforms/twitch/grants/:login/authorize'),
      access: 'admin',
      params: Login,
      handle: (request) =>
        run(async (grants) => {
          const { url, state, scopes, expiresIn } = await grants.authorizeUrl(login(request.params));
          return { status: 200, body: { url, state, scopes, expires_in: expiresIn } };
        }),
    },
    {
      method: 'GET',
      url: '/api/v1/platforms/twitch/oauth/callback',
      ...grantRouteDocs('GET /api/v1/platforms/twitch/oauth/callback'),
      access: 'open',
      query: Callback,
      handle: (request) =>
        run(async (grants) => {
          const query = request.query ?? {};
          const one = (name: string) => (typeof query[name] === 'string' ? query[name] : undefined);
          const done = await grants.complete({
            ...optional('code', one('code')),
            ...optional('state', one('state')),
            ...optional('error', one('error')),
          });
          return {
            status: 200,
            body: {
              authorized: true,
              channel: done.channel,
              user_id: done.userId,
              scopes: done.scopes,
              detail: `#${done.channel} is authorized: chatgate now receives its channel events`,
            },
          };
        }),
    },
    {
      method: 'PUT',
      url: '/api/v1/platforms/twitch/grants/:login',
      ...grantRouteDocs('PUT /api/v1/platforms/twitch/grants/:login'),
      access: 'admin',
      params: Login,
      body: RefreshTokenBody,
      handle: (request) =>
        run(async (grants) => {
          const { refresh_token: refreshToken } = request.body as { refresh_token: string };
          const done = await grants.acceptRefreshToken(login(request.params), refreshToken);
          return { status: 200, body: { channel: done.channel, user_id: done.userId, scopes: done.scopes } };
        }),
    },
    {
      method: 'GET',
      url: '/api/v1/platforms/twitch/grants',
      ...grantRouteDocs('GET /api/v1/platforms/twitch/grants'),
      access: 'admin',
      handle: () =>
        run(async (grants) => {
          const listed = await grants.list();
          return {
            status: 200,
            body: {
              grants: listed.map((grant) => ({
                channel: grant.channel,
                user_id: grant.userId,
                scopes: grant.scopes,
                updated_at: new Date(grant.updatedAt).toISOString(),
              })),
            },
          };
        }),
    },
    {
      method: 'DELETE',
      url: '/api/v1/platforms/twitch/grants/:login',
      ...grantRouteDocs('DELETE /api/v1/platforms/twitch/grants/:login'),
      access: 'admin',
      params: Login,
      handle: (request) =>
        run(async (grants) => {
          const { removed } = await grants.revoke(login(request.params));
          if (!removed) {
            return {
              status: 404,
              error: { code: 'not_found', detail: `#${login(request.params)} has no grant` },
            };
          }
          return { status: 204 };
        }),
    },
  ];
}

function optional<Key extends string>(key: Key, value: string | undefined): Partial<Record<Key, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<Key, string>);
}
