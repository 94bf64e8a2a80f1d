/**
 * OpenAI embedding requests ↔ Ollama's `POST /api/embed` (docs/api.md, "Generate Embeddings"):
 * `{ model, input: string | string[], dimensions? }` in, `{ model, embeddings: number[][],
 * prompt_eval_count }` out, one vector per input in input order.
 */
import type { EmbedRequest } from 'ollama';
import {
  type EmbeddingRequest,
  type EmbeddingResult,
  estimatedEmbeddingUsage,
  isVector,
  ProviderError,
} from '../provider.js';

/**
 * The `/api/embed` body for `request`: the inputs as one string array (Ollama embeds a batch in one
 * call), `dimensions` when asked; `user` is not sent (Ollama has no such field).
 * @throws ProviderError `invalid_request` for token-id inputs: Ollama embeds text only.
 */
export function toOllamaEmbed(request: EmbeddingRequest): EmbedRequest {
  const texts = request.input.filter((item): item is string => typeof item === 'string');
  if (texts.length !== request.input.length) {
    throw new ProviderError(
      "Ollama embeds text only: send 'input' as a string or an array of strings, not token ids",
      'invalid_request',
      'ollama',
    );
  }
  return {
    model: request.model,
    input: texts,
    ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
  };
}

/**
 * The result of an `/api/embed` answer: its vectors, its model (else the one asked for), and usage
 * from `prompt_eval_count` (estimated when absent).
 * @throws ProviderError `bad_response` when the answer does not hold one numeric vector per input.
 */
export function fromOllamaEmbed(answer: unknown, request: EmbeddingRequest): EmbeddingResult {
  const body = (answer ?? {}) as { model?: unknown; embeddings?: unknown; prompt_eval_count?: unknown };
  const embeddings = body.embeddings;
  if (
    !Array.isArray(embeddings) ||
    embeddings.length !== request.input.length ||
    !embeddings.every(isVector)
  ) {
    throw new ProviderError(
      `Ollama /api/embed answered without one vector per input (${request.input.length} asked)`,
      'bad_response',
      'ollama',
    );
  }
  const count = body.prompt_eval_count;
  return {
    embeddings,
    model: typeof body.model === 'string' && body.model ? body.model : request.model,
    usage:
      typeof count === 'number'
        ? { prompt_tokens: count, total_tokens: count }
        : estimatedEmbeddingUsage(request.input),
  };
}
