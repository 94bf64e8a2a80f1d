import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import Type, { type TSchema } from 'typebox';
import type { HealthCheck } from '../../ai/health-monitor.js';
import { settlesWithin } from '../../core/settles-within.js';
import type { InteractionQueue } from '../../queue/interaction-queue.js';
import type { Services } from '../../services.js';
import { errors } from '../openapi/shapes.js';
import { StoresJson } from '../schemas/stores-json.js';

/** What these routes use of the services, and nothing more. */
export type StatusRouteDeps = Pick<
  Services,
  | 'config'
  | 'ai'
  | 'providers'
  | 'health'
  | 'queue'
  | 'communities'
  | 'interactions'
  | 'startedAt'
  | 'storeStatus'
  | 'platformStates'
  | 'humanGrace'
>;

/** Failed jobs listed in status, newest first. */
const STATUS_FAILURES = 10;
/** How long status waits for the queue backend's failed jobs (and the human-grace figures), ms. */
const FAILURES_TIMEOUT_MS = 1000;

/** One failed job as status shows it. */
interface FailedJobBody {
  interaction_id: string;
  event_id: string;
  reason: string;
  /** ISO 8601. */
  failed_at: string;
  attempts: number;
}

/** `queue.failed` in status: `count` null and an `error` when the backend could not be read. */
type FailedJobsBody = { count: number; recent: FailedJobBody[] } | { count: null; recent: []; error: string };

/** A provider's `health` in status: its last health check, or null before the first (or when off). */
interface HealthBody {
  /** ISO 8601. */
  checked_at: string;
  latency_ms: number;
  result: HealthCheck['result'];
  /** Why it is down or refused (no key, no URL credentials); null when it answered. */
  error: string | null;
}

function healthBody(check: HealthCheck | undefined): HealthBody | null {
  if (!check) return null;
  return {
    checked_at: new Date(check.checkedAt).toISOString(),
    latency_ms: Math.round(check.latencyMs),
    result: check.result,
    error: check.error ?? null,
  };
}

const orNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });

/** The status answer in the API description. */
const StatusJson = Type.Object(
  {
    mode: Type.Enum(['remote', 'local', 'hybrid']),
    offline_responses: Type.Boolean(),
    default_provider: Type.String(),
    fallback_provider: orNull(Type.String()),
    providers: Type.Array(
      Type.Object({
        provider: Type.String(),
        endpoint: Type.String(),
        breaker: Type.Enum(['closed', 'open', 'half_open', 'isolated']),
        counts: Type.Object({
          successes: Type.Integer(),
          failures: Type.Integer({ description: 'Failures that count towards opening the breaker.' }),
          refused: Type.Integer({
            description: "The upstream's 4xx (a wrong key, an unknown model): they do not open the breaker.",
          }),
          rejected: Type.Integer({ description: 'Calls the open breaker turned away.' }),
        }),
        health: orNull(
          Type.Object({
            checked_at: Time,
            latency_ms: Type.Integer(),
            result: Type.String({ description: '`up` or `down`.' }),
            error: orNull(Type.String()),
          }),
        ),
      }),
    ),
    queue: Type.Object({
      backend: Type.Enum(['memory', 'redis']),
      size: Type.Integer(),
      running: Type.Integer(),
      max_size: Type.Integer(),
      concurrency: Type.Integer(),
      failed: Type.Object({
        count: orNull(Type.Integer({ description: 'null when the backend could not be read.' })),
        recent: Type.Array(
          Type.Object({
            interaction_id: Type.String(),
            event_id: Type.String(),
            reason: Type.String(),
            failed_at: Time,
            attempts: Type.Integer(),
          }),
        ),
        error: Type.Optional(Type.String()),
      }),
    }),
    stores: StoresJson,
    platforms: Type.Array(
      Type.Object({
        platform: Type.String(),
        status: Type.Enum(['offline', 'connecting', 'online', 'reconnecting']),
        last_event_at: orNull(Time),
        error: orNull(Type.String()),
      }),
    ),
    human_grace: orNull(
      Type.Record(
        Type.String(),
        Type.Object({
          waited: Type.Integer(),
          answered_by_human: Type.Integer(),
          answered_by_ai: Type.Integer(),
          median_first_human_answer_ms: orNull(Type.Number()),
        }),
        { description: 'By community id; null when the figures could not be read in time.' },
      ),
    ),
    uptime_s: Type.Integer(),
  },
  { title: 'Status', description: 'The service’s state.' },
);

/**
 * `GET /api/v1/ai/status`: mode, each provider endpoint's breaker state, counts and last health
 * check (`health`: `{ checked_at, latency_ms, result: up|down, error }` or null), the queue (with
 * its failed jobs: how many, and the last 10), the stores, the platforms, and per community the
 * questions that waited for a human (`human_grace`).
 */
export const statusRoutes = (services: StatusRouteDeps): FastifyPluginAsync =>
  async function status(plain) {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    const schema = {
      summary: 'Mode, provider breakers and health, queue, stores, platforms',
      tags: ['Status'],
      response: { 200: StatusJson, ...errors(401, 403) },
    };
    app.get('/api/v1/ai/status', { schema }, async (request) => statusSnapshot(services, request.log));
  };

/**
 * The body of `GET /api/v1/ai/status` (see `statusRoutes`); also what the console's event stream
 * pushes (`GET /api/v1/console/events`). Never rejects: a slow or failing backend shows as null.
 */
export async function statusSnapshot(services: StatusRouteDeps, log: FastifyBaseLogger) {
  const { config, ai, providers, queue } = services;
  return {
    mode: ai.mode,
    offline_responses: config.ai.offlineResponses,
    default_provider: config.ai.provider,
    fallback_provider: config.ai.fallbackProvider ?? null,
    providers: providers.remoteLinks().map((link) => ({
      provider: link.provider.kind,
      endpoint: link.provider.endpoint,
      breaker: link.guard?.state ?? 'closed',
      counts: link.guard?.counts ?? { successes: 0, failures: 0, refused: 0, rejected: 0 },
      health: healthBody(services.health.lastCheck(link)),
    })),
    queue: {
      backend: config.queue.backend,
      size: queue.size,
      running: queue.running,
      max_size: config.queue.maxSize,
      concurrency: config.queue.maxConcurrent,
      failed: await failedJobs(queue, log),
    },
    stores: {
      ...services.storeStatus(),
      community_config: services.communities.status ?? 'ok',
      interaction_log: services.interactions.status ?? 'ok',
    },
    platforms: services.platformStates().map((state) => ({
      platform: state.platform,
      status: state.status,
      last_event_at: state.lastEventAt ? new Date(state.lastEventAt).toISOString() : null,
      error: state.error ?? null,
    })),
    human_grace: await humanGraceFigures(services.humanGrace, log),
    uptime_s: Math.round((Date.now() - services.startedAt) / 1000),
  };
}

/** One community's figures in `human_grace` (see `GraceSummary`). */
interface HumanGraceBody {
  waited: number;
  answered_by_human: number;
  answered_by_ai: number;
  median_first_human_answer_ms: number | null;
}

/**
 * `human_grace` in status: per community, the questions that waited for a human, how many a human
 * answered, how many were left to the bot, and the median time to the first human answer. Null
 * when the store could not be read in time, never a 500.
 */
async function humanGraceFigures(
  store: StatusRouteDeps['humanGrace'],
  log: FastifyBaseLogger,
): Promise<Record<string, HumanGraceBody> | null> {
  try {
    const pending = store.summaries();
    if (!(await settlesWithin(pending, FAILURES_TIMEOUT_MS))) {
      throw new Error(`no answer within ${FAILURES_TIMEOUT_MS} ms`);
    }
    const summaries = await pending;
    return Object.fromEntries(
      Object.entries(summaries).map(([communityId, summary]) => [
        communityId,
        {
          waited: summary.waited,
          answered_by_human: summary.answeredByHuman,
          answered_by_ai: summary.answeredByAi,
          median_first_human_answer_ms: summary.medianFirstHumanAnswerMs,
        },
      ]),
    );
  } catch (error) {
    log.warn({ err: error }, 'could not read the human-grace figures for status');
    return null;
  }
}

/** The queue's failed jobs; a backend that errors or is slow gives `count: null`, never a 500. */
async function failedJobs(queue: InteractionQueue, log: FastifyBaseLogger): Promise<FailedJobsBody> {
  try {
    const pending = queue.failures(STATUS_FAILURES);
    if (!(await settlesWithin(pending, FAILURES_TIMEOUT_MS))) {
      throw new Error(`no answer within ${FAILURES_TIMEOUT_MS} ms`);
    }
    const failures = await pending;
    return {
      count: failures.count,
      recent: failures.recent.map((failure) => ({
        interaction_id: failure.interactionId,
        event_id: failure.eventId,
        reason: failure.reason,
        failed_at: new Date(failure.failedAt).toISOString(),
        attempts: failure.attempts,
      })),
    };
  } catch (error) {
    log.warn({ err: error }, 'could not read the failed jobs for status');
    return { count: null, recent: [], error: 'the queue backend could not be read' };
  }
}
