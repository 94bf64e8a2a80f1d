import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { CallbackTargetError, type CallbackTargetPolicy } from '../../worker/callback-target.js';
import { callerOf } from '../auth.js';
import { admitOwnRequest } from '../client-keys/quota-hooks.js';
import { sendError } from '../errors.js';
import { mayRead, withinScope } from '../interaction-scope.js';
import { errors } from '../openapi/shapes.js';
import { guardEdgeInput } from '../schemas/edge-input.js';
import { ChatEventBodySchema, parseInteractionBody, RouterBodySchema } from '../schemas/interaction-body.js';
import { InteractionJson, interactionJson } from '../schemas/interaction-json.js';

/** What the caller reads in a 503 for each reason the router rejects an event. */
const REJECTION_DETAIL: Record<string, string> = {
  queue_full: 'the interaction queue is full; retry later',
  queue_unavailable: 'the interaction queue cannot be reached; retry later',
};

const TAGS = ['Interactions'];

/** `POST /api/v1/ai/interaction` in the API description. */
const POST_SCHEMA = {
  summary: 'Send an event in; acknowledged at once, answered later',
  description:
    'A snake_case ChatEvent, or the WaddleBot router fields (when `message_type` or `session_id` is present). The reply goes to `callback_url` (or `callbacks.defaultUrl`) and is readable at `GET /api/v1/ai/interaction/{id}`.',
  tags: TAGS,
  documentedBody: Type.Union([ChatEventBodySchema, RouterBodySchema]),
  response: {
    200: Type.Object(
      {
        interaction_id: Type.String(),
        status: Type.Literal('ignored'),
        reason: Type.Optional(Type.String()),
      },
      { description: 'Ignored (no trigger matched, cooldown, budget, …): `reason` says why.' },
    ),
    202: Type.Object(
      {
        interaction_id: Type.String(),
        status: Type.Literal('queued'),
        trigger: Type.Optional(Type.String()),
        wait_ms: Type.Optional(
          Type.Integer({ description: 'It first waits this long, ms, for a human to answer.' }),
        ),
      },
      { description: 'Queued.' },
    ),
    ...errors(400, 401, 403, 429, 503),
  },
};

/** What these routes use of the services, and nothing more. */
export type InteractionRouteDeps = Pick<
  Services,
  'config' | 'interactions' | 'router' | 'callbackTargets' | 'clientKeys' | 'metrics'
>;

/**
 * The interaction endpoint for external collectors (integration keys) and outside callers (client
 * keys, whose events are held to their scope: see `withinScope`):
 * - `POST /api/v1/ai/interaction`: an event in; 202 `{ interaction_id, status: "queued", trigger,
 *   wait_ms? }` at once (`wait_ms` when it first waits for a human to answer), 200 `{ interaction_id, status: "ignored", reason }`, or 503 with `retry_after` when the
 *   queue is full or cannot be reached (the redis queue while Redis is down), or 429
 *   `rate_limit_exceeded` with `retry_after` when a stored client key is over its `rpm` or
 *   `daily_tokens`;
 * - `GET /api/v1/ai/interaction/:id`: its state and reply.
 */
export const interactionRoutes = (services: InteractionRouteDeps): FastifyPluginAsync =>
  async function interactions(plain) {
    guardEdgeInput(plain);
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.post('/api/v1/ai/interaction', { schema: POST_SCHEMA }, async (request, reply) => {
      const over = await admitOwnRequest(request, reply, services.clientKeys.quotas, services.metrics);
      if (over) return sendError(request, reply, 429, 'rate_limit_exceeded', over.message, over.retryAfterS);
      const parsed = parseInteractionBody(request.body, services.config.limits.eventTextMaxChars);
      const { callbackUrl, sessionId } = parsed;
      const event = withinScope(callerOf(request), parsed);
      if (callbackUrl) await checkCallbackUrl(services.callbackTargets, callbackUrl);
      const ack = await services.router.ingest(event, {
        callbackUrl: callbackUrl ?? services.config.callbacks.defaultUrl,
        sessionId,
        keyId: request.clientKey?.id,
      });
      if (ack.status === 'rejected') {
        const detail = REJECTION_DETAIL[ack.reason ?? ''] ?? 'chatgate is shutting down';
        return sendError(
          request,
          reply,
          503,
          ack.reason ?? 'unavailable',
          detail,
          ack.retryAfterSeconds ?? 1,
        );
      }
      if (ack.status === 'ignored') {
        return reply
          .code(200)
          .send({ interaction_id: ack.interactionId, status: 'ignored', reason: ack.reason });
      }
      // `wait_ms`: it first waits that long for a human to answer (its trigger's human_grace_ms).
      return reply.code(202).send({
        interaction_id: ack.interactionId,
        status: 'queued',
        trigger: ack.trigger,
        ...(ack.waitMs !== undefined ? { wait_ms: ack.waitMs } : {}),
      });
    });

    app.get(
      '/api/v1/ai/interaction/:id',
      {
        schema: {
          summary: 'Read an interaction: its state and reply',
          tags: TAGS,
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
          response: { 200: InteractionJson, ...errors(400, 401, 404, 503) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const interaction = await services.interactions.get(id);
        // A client key sees only its own community's interactions; others do not exist for it.
        if (!interaction || !mayRead(callerOf(request), interaction.event.communityId)) {
          throw new NotFoundError(`no interaction ${id}`);
        }
        return interactionJson(interaction);
      },
    );
  };

/** A caller's `callback_url` where callbacks may go, or a 400 naming `callback_url`. */
async function checkCallbackUrl(targets: CallbackTargetPolicy, url: string): Promise<void> {
  try {
    await targets.check(url);
  } catch (error) {
    if (error instanceof CallbackTargetError) throw new ValidationError(error.message, 'callback_url');
    throw error;
  }
}
