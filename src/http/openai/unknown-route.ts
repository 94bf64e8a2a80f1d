import type { FastifyReply, FastifyRequest } from 'fastify';
import { OpenAIError, sendOpenAIError } from './errors.js';

/**
 * OpenAI's top-level resources (the first segment of each path of its API description). Under
 * `/api/v1/ai/` these names are OpenAI's paths; the rest of that prefix is chatgate's own.
 */
const OPENAI_RESOURCES = [
  'assistants',
  'audio',
  'batches',
  'chat',
  'chatkit',
  'completions',
  'containers',
  'conversations',
  'embeddings',
  'evals',
  'files',
  'fine_tuning',
  'images',
  'models',
  'moderations',
  'organization',
  'projects',
  'realtime',
  'responses',
  'threads',
  'uploads',
  'vector_stores',
  'videos',
];

/** `/v1` and all under it, and OpenAI's resources under `/api/v1/ai/`, with any query. */
const OPENAI_PATH = new RegExp(`^/(?:v1|api/v1/ai/(?:${OPENAI_RESOURCES.join('|')}))(?:[/?]|$)`);

/**
 * Whether `url` (a request's path and query) is on the OpenAI-compatible API, whose errors are
 * OpenAI's `{ error: { message, type, param, code } }`, so that an OpenAI client reads them.
 * @example isOpenAIPath('/v1/audio/speech') // true
 * @example isOpenAIPath('/api/v1/ai/status') // false: chatgate's own route
 */
export function isOpenAIPath(url: string): boolean {
  return OPENAI_PATH.test(url);
}

/**
 * A route the OpenAI-compatible API does not have (an endpoint chatgate does not offer, or a method
 * its path does not take), answered as OpenAI answers one: 404, `invalid_request_error`, code
 * `unknown_url`, the method and path (without the query) in the message.
 */
export function answerUnknownOpenAIRoute(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? '';
  return sendOpenAIError(
    reply,
    new OpenAIError(
      404,
      `Invalid URL (${request.method} ${path}): chatgate does not offer this endpoint.`,
      'invalid_request_error',
      null,
      'unknown_url',
    ),
  );
}
