import type { EmbeddingRequest } from '../../ai/providers/provider.js';
import { invalidParam } from './errors.js';

/** A `POST /v1/embeddings` body, read and checked. */
export interface ParsedEmbeddingRequest {
  model: string;
  /** Every input as a list, never empty (a single string or token array is a list of one). */
  input: EmbeddingRequest['input'];
  /** How to send the vectors back: JSON floats, or base64 of little-endian float32s. */
  encoding: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

/** OpenAI's limits on `input` (spec `CreateEmbeddingRequest`). */
export const EMBEDDING_LIMITS = {
  /** Inputs per request: "any array must be 2048 dimensions or less". */
  maxInputs: 2048,
} as const;

/** The fields of `CreateEmbeddingRequest`; the spec allows no others. */
const KNOWN = new Set(['input', 'model', 'encoding_format', 'dimensions', 'user']);

type Body = Record<string, unknown>;

const isObject = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isTokenId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * Reads `POST /v1/embeddings`'s body as OpenAI's spec has it: `model` (required), `input` (a
 * non-empty string; an array of 1–2048 non-empty strings; one array of token ids; or 1–2048
 * non-empty arrays of token ids), `encoding_format` (`float`, the default, or `base64`),
 * `dimensions` (an integer ≥ 1) and `user`. `null` is the same as leaving an optional field out.
 * @throws OpenAIError 400 with `param` naming the field at fault (an unknown field by its name).
 */
export function parseEmbeddingRequest(body: unknown): ParsedEmbeddingRequest {
  if (!isObject(body)) throw invalidParam('body', 'The request body must be a JSON object.', 'invalid_type');
  for (const key of Object.keys(body)) {
    if (!KNOWN.has(key)) {
      throw invalidParam(key, `Unrecognized request argument supplied: ${key}`, 'unknown_parameter');
    }
  }
  const { model, encoding_format: encoding, dimensions, user } = body;
  if (typeof model !== 'string' || model.length === 0) {
    throw invalidParam('model', "'model' must be a non-empty string.", 'missing_required_parameter');
  }
  if (encoding != null && encoding !== 'float' && encoding !== 'base64') {
    throw invalidParam('encoding_format', "'encoding_format' must be 'float' or 'base64'.");
  }
  if (dimensions != null && !(Number.isSafeInteger(dimensions) && (dimensions as number) >= 1)) {
    throw invalidParam('dimensions', "'dimensions' must be an integer of at least 1.");
  }
  if (user != null && typeof user !== 'string') {
    throw invalidParam('user', "'user' must be a string.", 'invalid_type');
  }
  return {
    model,
    input: readInput(body.input),
    encoding: encoding === 'base64' ? 'base64' : 'float',
    ...(dimensions != null ? { dimensions: dimensions as number } : {}),
    ...(user != null ? { user: user as string } : {}),
  };
}

/** `input` as a list of texts or of token arrays (see `parseEmbeddingRequest`). */
function readInput(input: unknown): EmbeddingRequest['input'] {
  const bad = (message: string) => invalidParam('input', message);
  if (typeof input === 'string') {
    if (input.length === 0) throw bad("'input' cannot be an empty string.");
    return [input];
  }
  if (!Array.isArray(input)) {
    throw bad("'input' must be a string, an array of strings, or an array of token arrays.");
  }
  if (input.length === 0) throw bad("'input' cannot be an empty array.");
  if (input.length > EMBEDDING_LIMITS.maxInputs) {
    throw bad(`'input' may hold at most ${EMBEDDING_LIMITS.maxInputs} items; it has ${input.length}.`);
  }
  if (input.every((item) => typeof item === 'string')) {
    const empty = input.findIndex((item) => item.length === 0);
    if (empty >= 0) throw bad(`'input[${empty}]' cannot be an empty string.`);
    return input;
  }
  if (input.every(isTokenId)) return [input];
  for (const [index, item] of input.entries()) {
    if (!Array.isArray(item) || item.length === 0 || !item.every(isTokenId)) {
      throw bad(
        `'input[${index}]' must be ${Array.isArray(item) ? 'a non-empty array of token ids (integers ≥ 0)' : 'of the same kind as the other items'}.`,
      );
    }
  }
  return input as number[][];
}
