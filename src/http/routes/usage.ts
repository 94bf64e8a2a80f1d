import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { ValidationError } from '../../core/errors.js';
import { addDays, daysBetween, utcDay } from '../../safety/usage/usage-day.js';
import type { Services } from '../../services.js';
import type { UsageGroupBy, UsageTotals } from '../../stores/usage-store.js';
import { errors } from '../openapi/shapes.js';
import { guardEdgeInput } from '../schemas/edge-input.js';

/** What these routes use of the services, and nothing more. */
export type UsageRouteDeps = Pick<Services, 'usage' | 'usageTotals'>;

const GROUP_BY = ['day', 'user', 'model', 'key'] as const;
/** The longest range one request may ask for, days (inclusive): a year, leap day included. */
const MAX_RANGE_DAYS = 366;
/** The range when `from` is not given: the last 30 days, `to` included. */
const DEFAULT_RANGE_DAYS = 30;
const DAY_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

const orNull = (description: string) => Type.Union([Type.String(), Type.Null()], { description });
/** One row of `rowJson`: its grouped field (one of the four), then the sums. */
const UsageRow = Type.Object({
  day: Type.Optional(Type.String({ description: 'With `group_by=day`: the UTC day.' })),
  user_id: Type.Optional(orNull('With `group_by=user`; null: requests without a user.')),
  model: Type.Optional(orNull('With `group_by=model`.')),
  key_id: Type.Optional(orNull('With `group_by=key`; null: callers without a stored key.')),
  requests: Type.Integer(),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  cost_usd: Type.Optional(
    Type.Number({ description: 'Absent when no price in `safety.prices` covers the model.' }),
  ),
});

/**
 * `GET /api/v1/usage?community_id=&user_id=&key_id=&from=&to=&group_by=day|user|model|key` (admin
 * key): tokens, requests and cost from the persisted daily totals (what is still buffered
 * included), one row per day, user, model or client key (`group_by`, default `day`), ordered by it.
 * `from`/`to` are UTC days `YYYY-MM-DD`, inclusive; default: the 30 days up to today. A bad value,
 * `from` after `to`, or a range over 366 days is a 400 naming the field. A row's grouped field is
 * null for "none" (a request without `user`, a caller without a stored key); `cost_usd` is absent
 * when no price in `safety.prices` covered the row's model.
 */
export const usageRoutes = (services: UsageRouteDeps): FastifyPluginAsync =>
  async function usage(plain) {
    guardEdgeInput(plain);
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/api/v1/usage',
      {
        schema: {
          querystring: Type.Object(
            {
              community_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
              user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
              key_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
              from: Type.Optional(Type.String({ pattern: DAY_PATTERN })),
              to: Type.Optional(Type.String({ pattern: DAY_PATTERN })),
              group_by: Type.Enum(GROUP_BY, { default: 'day' }),
            },
            { additionalProperties: false },
          ),
          summary: 'Tokens, requests and cost per day, user, model or client key',
          tags: ['Usage'],
          response: {
            200: Type.Object(
              { rows: Type.Array(UsageRow) },
              { description: 'Ordered by the grouped field.' },
            ),
            ...errors(400, 401, 403, 503),
          },
        },
      },
      async (request) => {
        const { query } = request;
        const to = query.to === undefined ? services.usage.today() : realDay(query.to, 'to');
        const from =
          query.from === undefined ? addDays(to, 1 - DEFAULT_RANGE_DAYS) : realDay(query.from, 'from');
        const span = daysBetween(from, to);
        if (span < 0) throw new ValidationError(`from: must be on or before to (${to})`, 'from');
        if (span + 1 > MAX_RANGE_DAYS) {
          throw new ValidationError(`from: the range may span at most ${MAX_RANGE_DAYS} days`, 'from');
        }
        const groupBy = query.group_by as UsageGroupBy;
        const totals = await services.usageTotals.query({
          from,
          to,
          groupBy,
          communityId: query.community_id,
          userId: query.user_id,
          keyId: query.key_id,
        });
        return { rows: totals.map((row) => rowJson(row, groupBy)) };
      },
    );
  };

/**
 * `value` when it is a real calendar day (`2026-02-30` is not).
 * @throws ValidationError naming `field`.
 */
function realDay(value: string, field: 'from' | 'to'): string {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (Number.isNaN(ms) || utcDay(ms) !== value) {
    throw new ValidationError(`${field}: must be a date YYYY-MM-DD`, field);
  }
  return value;
}

/** One row as the API shows it: snake_case, the grouped field (null for none), `total_tokens`. */
function rowJson(row: UsageTotals, groupBy: UsageGroupBy) {
  const group =
    groupBy === 'day'
      ? { day: row.day }
      : groupBy === 'user'
        ? { user_id: row.userId || null }
        : groupBy === 'model'
          ? { model: row.model || null }
          : { key_id: row.keyId || null };
  return {
    ...group,
    requests: row.requests,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    total_tokens: row.promptTokens + row.completionTokens,
    ...(row.costUsd === undefined ? {} : { cost_usd: round(row.costUsd) }),
  };
}

/** USD to 1e-9 (no float noise such as 0.30000000000000004). */
const round = (usd: number) => Math.round(usd * 1e9) / 1e9;
