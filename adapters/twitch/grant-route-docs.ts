/**
 * How the grant routes (grant-routes.ts) appear in the API description (`/openapi.json`): each
 * route's summary, its answers' JSON Schemas (the exact fields it answers: a response schema also
 * shapes what is sent) and what each failure means. Spread into the route as `docs` where the
 * platform route contract documents routes.
 */
import Type from 'typebox';

const Scopes = Type.Array(Type.String(), { description: 'The scopes granted, as Twitch names them.' });
const ADMIN_FAILURES = { 401: 'Missing or unknown Bearer key.', 403: 'Not the admin key.' } as const;
const NOT_CONFIGURED =
  'No Twitch EventSub adapter is configured (or no TWITCH_REDIRECT_URL, for the authorize URL).';

/** The docs of each grant route, by `METHOD url`. */
export const GRANT_ROUTE_DOCS = {
  'GET /api/v1/platforms/twitch/grants/:login/authorize': {
    summary: "Twitch's authorize URL for a channel's broadcaster",
    description:
      'The broadcaster opens `url` and consents; Twitch sends them back to `TWITCH_REDIRECT_URL` (the OAuth callback), which stores the grant. The `state` in it is good once, for `expires_in` seconds.',
    answers: {
      200: Type.Object(
        {
          url: Type.String({ description: "Twitch's authorize URL." }),
          state: Type.String({ description: 'The signed state in it.' }),
          scopes: Scopes,
          expires_in: Type.Integer({ description: 'Seconds the state is good for.' }),
        },
        { description: 'The URL to open.' },
      ),
    },
    failures: {
      400: 'Not a Twitch login, or CHATGATE_SECRET_KEY is not set (`secret_key_not_set`).',
      ...ADMIN_FAILURES,
      404: `${NOT_CONFIGURED} Or Twitch knows no such channel.`,
      502: 'Twitch could not be reached.',
    },
  },
  'GET /api/v1/platforms/twitch/oauth/callback': {
    summary: "Twitch's redirect after a broadcaster's consent (OAuth callback)",
    description:
      "Open: the signed, single-use `state` is its guard. Exchanges the `code`, checks the token is the broadcaster's, and stores the grant encrypted.",
    answers: {
      200: Type.Object(
        {
          authorized: Type.Boolean(),
          channel: Type.String({ description: 'The channel login.' }),
          user_id: Type.String({ description: "The broadcaster's Twitch user id." }),
          scopes: Scopes,
          detail: Type.String(),
        },
        { description: 'The channel is authorized.' },
      ),
    },
    failures: {
      400: 'A bad, expired or used `state` (`invalid_state`), a declined consent (`authorization_denied`), a token of another user (`wrong_user`), a code Twitch refused (`grant_refused`).',
      404: NOT_CONFIGURED,
      502: 'Twitch could not be reached or refused the exchange.',
    },
  },
  'PUT /api/v1/platforms/twitch/grants/:login': {
    summary: "Store a broadcaster's refresh token for their channel",
    description:
      "The token is refreshed and validated at Twitch (it must be the broadcaster's), then stored encrypted; it is never answered.",
    body: Type.Object({ refresh_token: Type.String({ description: "The broadcaster's refresh token." }) }),
    answers: {
      200: Type.Object(
        { channel: Type.String(), user_id: Type.String(), scopes: Scopes },
        { description: 'Stored.' },
      ),
    },
    failures: {
      400: 'A bad login or body, a token Twitch refused (`grant_refused`) or of another user (`wrong_user`), or CHATGATE_SECRET_KEY unset.',
      ...ADMIN_FAILURES,
      404: `${NOT_CONFIGURED} Or Twitch knows no such channel.`,
      502: 'Twitch could not be reached.',
    },
  },
  'GET /api/v1/platforms/twitch/grants': {
    summary: 'The stored broadcaster grants (never their tokens)',
    answers: {
      200: Type.Object(
        {
          grants: Type.Array(
            Type.Object({
              channel: Type.String(),
              user_id: Type.String(),
              scopes: Scopes,
              updated_at: Type.String({ format: 'date-time' }),
            }),
          ),
        },
        { description: 'The grants.' },
      ),
    },
    failures: { ...ADMIN_FAILURES, 404: NOT_CONFIGURED, 502: 'Twitch could not be reached.' },
  },
  'DELETE /api/v1/platforms/twitch/grants/:login': {
    summary: "Forget a channel's broadcaster grant",
    answers: { 204: null },
    failures: {
      400: 'Not a Twitch login.',
      ...ADMIN_FAILURES,
      404: `${NOT_CONFIGURED} Or the channel has no grant.`,
      502: 'Twitch could not be reached.',
    },
  },
} as const;

/**
 * `{ docs }` for the route `key`, to spread into its description (the platform route contract
 * reads `docs` where it documents routes; elsewhere the property is unused).
 */
export function grantRouteDocs(key: keyof typeof GRANT_ROUTE_DOCS): {
  docs: (typeof GRANT_ROUTE_DOCS)[typeof key];
} {
  return { docs: GRANT_ROUTE_DOCS[key] };
}
