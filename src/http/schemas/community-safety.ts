import Type, { type Static } from 'typebox';
import { withoutUndefined } from '../../core/without-undefined.js';
import { MIN_ROLES } from '../../safety/roles.js';
import type { SafetyOverrides } from '../../safety/safety-settings.js';

/**
 * The safety sections of a community config body (`permissions`, `budgets`, `moderation`), in the
 * API's snake_case, and their mapping to `SafetyOverrides`. Bounds are what keeps a check cheap
 * for every chat line: at most 1,000 blocked terms of 100 chars, 1,000 listed users.
 */

/** A user id or login; no control characters (they could never match a platform's). */
const UserRef = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
const UserList = Type.Array(UserRef, { maxItems: 1000 });
/**
 * A blocked term is plain text: letters, digits, spaces and ordinary punctuation. Regex syntax is
 * refused so that nobody believes `h.te` or `(a|b)` is a pattern (it would be matched literally).
 */
const BlockedTerm = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[^\\u0000-\\u001f\\u007f\\\\^$.|?*+()\\[\\]{}]+$',
});
const Tokens = Type.Union([Type.Integer({ minimum: 0, maximum: 1e12 }), Type.Null()]);
const Usd = Type.Union([Type.Number({ minimum: 0, maximum: 1e9 }), Type.Null()]);

export const SafetyBodyFields = {
  permissions: Type.Optional(
    Type.Object(
      {
        min_role: Type.Optional(Type.Enum(MIN_ROLES)),
        allow_users: Type.Optional(UserList),
        block_users: Type.Optional(UserList),
      },
      { additionalProperties: false },
    ),
  ),
  /** Daily limits (UTC day); `null` = no limit. */
  budgets: Type.Optional(
    Type.Object(
      {
        user_daily_tokens: Type.Optional(Tokens),
        channel_daily_tokens: Type.Optional(Tokens),
        community_daily_tokens: Type.Optional(Tokens),
        user_daily_usd: Type.Optional(Usd),
        channel_daily_usd: Type.Optional(Usd),
        community_daily_usd: Type.Optional(Usd),
      },
      { additionalProperties: false },
    ),
  ),
  moderation: Type.Optional(
    Type.Object(
      {
        blocked_terms: Type.Optional(Type.Array(BlockedTerm, { maxItems: 1000 })),
        allow_links: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
        pii_redaction: Type.Optional(Type.Boolean()),
        moderation_url: Type.Optional(
          Type.Union([Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }), Type.Null()]),
        ),
        moderation_fail_open: Type.Optional(Type.Boolean()),
        blocked_reply: Type.Optional(
          Type.Union([Type.String({ minLength: 1, maxLength: 500, pattern: '^[^\\u0000]+$' }), Type.Null()]),
        ),
      },
      { additionalProperties: false },
    ),
  ),
};

const SafetyBody = Type.Object(SafetyBodyFields);
type SafetyBody = Static<typeof SafetyBody>;

/** The safety overrides of a validated body; sections and fields it leaves out stay undefined. */
export function safetyOverridesOf(input: SafetyBody): SafetyOverrides {
  const { permissions: p, budgets: b, moderation: m } = input;
  return withoutUndefined({
    permissions:
      p && withoutUndefined({ minRole: p.min_role, allowUsers: p.allow_users, blockUsers: p.block_users }),
    budgets:
      b &&
      withoutUndefined({
        userDailyTokens: b.user_daily_tokens,
        channelDailyTokens: b.channel_daily_tokens,
        communityDailyTokens: b.community_daily_tokens,
        userDailyUsd: b.user_daily_usd,
        channelDailyUsd: b.channel_daily_usd,
        communityDailyUsd: b.community_daily_usd,
      }),
    moderation:
      m &&
      withoutUndefined({
        blockedTerms: m.blocked_terms,
        allowLinks: m.allow_links,
        piiRedaction: m.pii_redaction,
        moderationUrl: m.moderation_url,
        moderationFailOpen: m.moderation_fail_open,
        blockedReply: m.blocked_reply,
      }),
  });
}

/** The stored safety overrides as JSON (snake_case); an unset section is `null` (defaults apply). */
export function safetyJson(stored: SafetyOverrides | undefined) {
  const p = stored?.permissions;
  const b = stored?.budgets;
  const m = stored?.moderation;
  return {
    permissions: p
      ? withoutUndefined({ min_role: p.minRole, allow_users: p.allowUsers, block_users: p.blockUsers })
      : null,
    budgets: b
      ? withoutUndefined({
          user_daily_tokens: b.userDailyTokens,
          channel_daily_tokens: b.channelDailyTokens,
          community_daily_tokens: b.communityDailyTokens,
          user_daily_usd: b.userDailyUsd,
          channel_daily_usd: b.channelDailyUsd,
          community_daily_usd: b.communityDailyUsd,
        })
      : null,
    moderation: m
      ? withoutUndefined({
          blocked_terms: m.blockedTerms,
          allow_links: m.allowLinks,
          pii_redaction: m.piiRedaction,
          moderation_url: m.moderationUrl,
          moderation_fail_open: m.moderationFailOpen,
          blocked_reply: m.blockedReply,
        })
      : null,
  };
}
