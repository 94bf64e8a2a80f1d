import Type, { type Static } from 'typebox';
import { ValidationError } from '../../core/errors.js';
import type { InteractionFilter } from '../../stores/interaction-log.js';

const STATUSES = ['queued', 'running', 'done', 'failed', 'ignored', 'rejected'] as const;

/**
 * The query of the interaction lists (`GET /api/v1/ai/interactions`, `GET
 * /api/v1/console/interactions`): `platform`, `community_id`, `channel_id`, `user` (id or login),
 * `status`, `reason` (`cooldown`, `paused` …), `since`/`until` (ISO 8601, `until` exclusive),
 * `limit` (1–500, 50).
 */
export const InteractionQuery = Type.Object({
  platform: Type.Optional(Type.String({ maxLength: 32 })),
  community_id: Type.Optional(Type.String({ maxLength: 256 })),
  channel_id: Type.Optional(Type.String({ maxLength: 256 })),
  user: Type.Optional(Type.String({ maxLength: 256 })),
  status: Type.Optional(Type.Enum(STATUSES)),
  reason: Type.Optional(Type.String({ maxLength: 64 })),
  since: Type.Optional(Type.String({ maxLength: 40 })),
  until: Type.Optional(Type.String({ maxLength: 40 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
});
export type InteractionQuery = Static<typeof InteractionQuery>;

/**
 * The store filter of a validated query; empty strings mean "any".
 * @throws ValidationError `querystring.since` / `querystring.until` when not an ISO 8601 time.
 */
export function interactionFilter(query: InteractionQuery): InteractionFilter {
  const given = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  return {
    platform: given(query.platform),
    communityId: given(query.community_id),
    channelId: given(query.channel_id),
    user: given(query.user),
    status: query.status,
    reason: given(query.reason),
    since: time(query.since, 'since'),
    until: time(query.until, 'until'),
    limit: query.limit,
  };
}

function time(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new ValidationError(`querystring.${field}: must be an ISO 8601 time`, `querystring.${field}`);
  }
  return ms;
}
