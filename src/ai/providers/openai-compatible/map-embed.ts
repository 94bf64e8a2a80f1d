/**
 * OpenAI embedding requests ↔ an OpenAI-compatible `POST {baseUrl}/embeddings`, passed through:
 * `input` (texts or token ids), `model`, `dimensions` and `user` as the caller sent them.
 *
 * Floats are always asked for, whatever encoding the caller wants (the HTTP layer encodes base64
 * itself): one shape of result for every provider, and the same bytes for the caller whether or
 * not the upstream implements `encoding_format: "base64"` (not every compatible server does). An
 * upstream that answers base64 anyway is decoded.
 */
import { decodeFloat32Base64 } from '../float32-base64.js';
import {
  type EmbeddingRequest,
  type EmbeddingResult,
  estimatedEmbeddingUsage,
  isVector,
  ProviderError,
} from '../provider.js';

/** The `/embeddings` body for `request`, asking for floats. */
export function toOpenAIEmbed(request: EmbeddingRequest): Record<string, unknown> {
  return {
    model: request.model,
    input: request.input,
    encoding_format: 'float',
    ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    ...(request.user !== undefined ? { user: request.user } : {}),
  };
}

/**
 * The result of an `/embeddings` answer (`{ data: [{ index, embedding }], model, usage }`): the
 * vectors put in input order by `index`, the upstream's model and usage (estimated when absent).
 * @throws ProviderError `bad_response` when the answer does not hold one vector for each input.
 */
export function fromOpenAIEmbed(answer: unknown, request: EmbeddingRequest): EmbeddingResult {
  const body = (answer ?? {}) as { data?: unknown; model?: unknown; usage?: unknown };
  const count = request.input.length;
  const embeddings = new Array<number[] | undefined>(count);
  const items = Array.isArray(body.data) ? (body.data as unknown[]) : [];
  for (const [position, item] of items.entries()) {
    const { index = position, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    const vector = typeof embedding === 'string' ? decodeFloat32Base64(embedding) : embedding;
    if (typeof index === 'number' && index >= 0 && index < count && isVector(vector)) {
      embeddings[index] = vector;
    }
  }
  if (items.length !== count || embeddings.some((vector) => vector === undefined)) {
    throw new ProviderError(
      `OpenAI-compatible /embeddings answered without one vector per input (${count} asked)`,
      'bad_response',
      'openai',
    );
  }
  const usage = body.usage as { prompt_tokens?: unknown; total_tokens?: unknown } | undefined;
  const prompt = usage?.prompt_tokens;
  return {
    embeddings: embeddings as number[][],
    model: typeof body.model === 'string' && body.model ? body.model : request.model,
    usage:
      typeof prompt === 'number'
        ? {
            prompt_tokens: prompt,
            total_tokens: typeof usage?.total_tokens === 'number' ? usage.total_tokens : prompt,
          }
        : estimatedEmbeddingUsage(request.input),
  };
}
