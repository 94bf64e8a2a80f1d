import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { AiUnavailableError } from '../../ai/ai-service.js';
import { ChatgateError, ValidationError } from '../../core/errors.js';
import type { Services } from '../../services.js';
import { answerTrialLine } from '../../worker/trial-answer.js';
import { errors } from '../openapi/shapes.js';
import { guardEdgeInput } from '../schemas/edge-input.js';
import { refuseUnsafeText } from '../schemas/safe-text.js';

/** What this route uses of the services. */
export type CommunityTestDeps = Pick<Services, 'communities' | 'config' | 'ai' | 'usage'>;

/** The longest trial line, chars (the web chat's own message limit). */
const MAX_TEXT_CHARS = 4000;

const Params = Type.Object({ communityId: Type.String({ minLength: 1, maxLength: 256 }) });

/** The body of `POST /api/v1/communities/:communityId/test`. */
export const CommunityTestBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: MAX_TEXT_CHARS }),
    personality: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
type Body = Static<typeof CommunityTestBody>;

const Answer = Type.Object(
  {
    reply: Type.String(),
    provider: Type.String(),
    model: Type.String(),
    mode: Type.String(),
    service_status: Type.String(),
    latency_ms: Type.Integer(),
    fallback_reason: Type.Optional(Type.String()),
  },
  { description: 'The answer, the link of the chain that gave it, and its latency.' },
);

// Checked here, not by fastify's schema: its validator would coerce `{"text": 5}` into "5".
const bodyChecker = Compile(CommunityTestBody);

/**
 * Reads the body: `text` 1–4000 chars without NUL or lone surrogates; `personality` a configured
 * one or `random`; nothing else.
 * @throws ValidationError naming the first bad field.
 */
function parseBody(body: unknown, personalities: readonly string[]): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('body: must be a JSON object', 'body');
  }
  if (!bodyChecker.Check(body)) {
    const [first] = bodyChecker.Errors(body);
    const params = (first?.params ?? {}) as Record<string, unknown>;
    const extra = Array.isArray(params.additionalProperties)
      ? String(params.additionalProperties[0])
      : undefined;
    const missing = Array.isArray(params.requiredProperties)
      ? String(params.requiredProperties[0])
      : undefined;
    const field = extra ?? missing ?? (first?.instancePath.slice(1) || 'body');
    const why = extra
      ? 'is not a field of this request'
      : missing
        ? 'is required'
        : (first?.message ?? 'is invalid');
    throw new ValidationError(`${field}: ${why}`, field);
  }
  const { text, personality } = body as Body;
  refuseUnsafeText(text, 'text');
  if (personality !== undefined && personality !== 'random' && !personalities.includes(personality)) {
    throw new ValidationError(
      `personality: must be one of ${[...personalities, 'random'].join('|')}`,
      'personality',
    );
  }
  return body as Body;
}

/**
 * `POST /api/v1/communities/:communityId/test` (admin key; the console's "Test" button): `{ text,
 * personality? }` → one answer of the community's provider chain, as the bot would give it in a
 * private web chat, with `provider`, `model`, `mode`, `service_status`, `latency_ms` and, when a
 * later link answered, `fallback_reason` (see `answerTrialLine`: no context written, nothing sent;
 * the tokens count in the community's usage and budgets). 400 naming a bad field; 503
 * `ai_unavailable` when no link answered (remote mode without the local responder).
 */
export const communityTestRoutes = (services: CommunityTestDeps): FastifyPluginAsync =>
  async function communityTest(plain) {
    guardEdgeInput(plain);
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const personalities = Object.keys(services.config.personalities);
    app.post(
      '/api/v1/communities/:communityId/test',
      {
        schema: {
          params: Params,
          documentedBody: CommunityTestBody,
          summary: "Send one line through a community's provider chain",
          description:
            'The answer the bot would give in a private web chat, with the provider that gave it, its latency ' +
            'and any fallback; nothing is stored or sent to a chat; the tokens count in the usage and budgets.',
          tags: ['Communities'],
          response: { 200: Answer, ...errors(400, 401, 403, 503) },
        },
      },
      async (request) => {
        const { communityId } = request.params;
        refuseUnsafeText(communityId, 'communityId');
        const { text, personality } = parseBody(request.body, personalities);
        try {
          const answer = await answerTrialLine(services, {
            communityId,
            text,
            ...(personality !== undefined && { personality }),
          });
          return {
            reply: answer.reply,
            provider: answer.provider,
            model: answer.model,
            mode: answer.mode,
            service_status: answer.serviceStatus,
            latency_ms: answer.latencyMs,
            ...(answer.fallbackReason !== undefined && { fallback_reason: answer.fallbackReason }),
          };
        } catch (error) {
          if (error instanceof AiUnavailableError) {
            throw new ChatgateError(`no provider answered: ${error.reasons}`, 'ai_unavailable', 503, {
              cause: error,
            });
          }
          throw error;
        }
      },
    );
  };
