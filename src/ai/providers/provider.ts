/**
 * The contract every AI provider implements (ollama, openai-compatible, local). Requests and results
 * use OpenAI's wire names (`messages`, `max_tokens`, `finish_reason`, `usage`) so that the
 * OpenAI-compatible route maps them one to one.
 */
import { randomUUID } from 'node:crypto';

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

/** A function the model may call, as OpenAI's `tools[]` describes it. */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

/** A call the model made. `arguments` is a JSON string (Ollama's objects are serialized). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A new OpenAI-style call id, `call_` and 24 hex digits, for a call the server sent without one. */
export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

/** A streamed piece of a tool call; pieces with the same `index` concatenate. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** `json_object` or a JSON schema (Ollama `format`: `'json'` or the schema object). */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };
    };

/** OpenAI's `reasoning_effort` values (spec `ReasoningEffort`). */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];
/** OpenAI's `verbosity` values (spec `Verbosity`). */
export const VERBOSITIES = ['low', 'medium', 'high'] as const;
export type Verbosity = (typeof VERBOSITIES)[number];
/** OpenAI's chat completions `service_tier` values (spec `ServiceTier`). */
export const SERVICE_TIERS = ['auto', 'default', 'flex', 'scale', 'priority', 'fast'] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];

export interface ChatMessage {
  role: ChatRole;
  /** Text; '' for an assistant message that only calls tools. Content parts are joined into text. */
  content: string;
  name?: string;
  /** Calls an assistant message made (sent back in later turns). */
  tool_calls?: ToolCall[];
  /** On a `tool` message: the call it answers. */
  tool_call_id?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** 0–2. */
  temperature?: number;
  top_p?: number;
  /** Upper bound on generated tokens (Ollama `num_predict`). */
  max_tokens?: number;
  stop?: string[];
  seed?: number;
  tools?: ToolDefinition[];
  /** Ollama honours only `auto` (and `none`, by omitting tools); see each provider's docs. */
  tool_choice?: ToolChoice;
  response_format?: ResponseFormat;
  /** End-user id for abuse monitoring (OpenAI `user`); not sent to Ollama. */
  user?: string;
  /** How hard a reasoning model thinks (OpenAI's values); Ollama maps it to `think`. */
  reasoning_effort?: ReasoningEffort;
  /** How long an answer should be; OpenAI-compatible upstreams only. */
  verbosity?: Verbosity;
  /** Up to 16 string pairs for the caller's own records (keys ≤ 64, values ≤ 512 characters). */
  metadata?: Record<string, string>;
  /** A stable id of the end user (≤ 64 characters) for the upstream's abuse checks. */
  safety_identifier?: string;
  /** Groups requests for the upstream's prompt cache. */
  prompt_cache_key?: string;
  /** Which processing tier the upstream should use. */
  service_tier?: ServiceTier;
  /**
   * The plain text of the chat message being answered, unfenced, for providers that do not read
   * prompts (the local responder). Remote providers ignore it.
   */
  hint?: {
    text: string;
    userName?: string;
    /** The ChatEvent type (`message`, `raid`, `resub` …), so that a sub or a raid is thanked as one. */
    eventType?: string;
  };
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** Token counts as the provider reported them (Ollama `prompt_eval_count` / `eval_count`). */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatResult {
  /** The answer text, as the model produced it (reasoning blocks may still be in it). */
  content: string;
  /** The model's separate reasoning, when the provider returns one (Ollama `thinking`); never shown. */
  reasoning?: string;
  /** Calls the model made; `finish_reason` is then `tool_calls`. */
  tool_calls?: ToolCall[];
  finish_reason: FinishReason;
  usage?: Usage;
  /** The model that answered, as the provider names it. */
  model: string;
}

/** One piece of a streamed answer. The last piece carries `finish_reason` (and `usage` if known). */
export interface ChatDelta {
  content?: string;
  tool_calls?: ToolCallDelta[];
  finish_reason?: FinishReason;
  usage?: Usage;
}

export interface ProviderHealth {
  ok: boolean;
  /** Round trip of the health probe, in ms. */
  latencyMs: number;
  detail?: string;
}

/**
 * How much of an upstream's error text goes into a ProviderError's message, in characters: cut
 * after the text is scrubbed of secrets, so that a secret across the cut leaves nothing behind.
 */
export const MAX_UPSTREAM_TEXT_CHARS = 200;

/** `ollama`, `openai` (any OpenAI-compatible server) or `local` (the offline responder). */
export type ProviderKind = 'ollama' | 'openai' | 'local';

/**
 * A request built for one endpoint (mapped and serialized) and not yet sent: sending it is all that
 * is left, so whatever it throws is about the upstream (its answer, the connection, a timeout, a
 * cancel), never about the request.
 */
export interface PreparedChat {
  /** Sends it for one answer. Same errors as `ChatProvider.chat`, except those of `prepare`. */
  chat(signal?: AbortSignal): Promise<ChatResult>;
  /** Sends it for a streamed answer. Same errors as `ChatProvider.stream`, except those of `prepare`. */
  stream(signal?: AbortSignal): AsyncIterable<ChatDelta>;
}

/**
 * Texts (or token ids) to turn into vectors, in OpenAI's terms (`CreateEmbeddingRequest`). The
 * encoding the caller asked for is the HTTP layer's business: providers always return floats.
 */
export interface EmbeddingRequest {
  model: string;
  /**
   * One or more inputs, never empty, each non-empty: texts, or token-id arrays (OpenAI-compatible
   * upstreams only; Ollama takes text). A single string or token array arrives as a list of one.
   */
  input: string[] | number[][];
  /** How many dimensions each vector should have (models that can shorten theirs). */
  dimensions?: number;
  /** End-user id for abuse monitoring (OpenAI `user`); not sent to Ollama. */
  user?: string;
}

/** Token counts of an embedding call (embeddings generate nothing, so total = prompt). */
export interface EmbeddingUsage {
  prompt_tokens: number;
  total_tokens: number;
}

/** Vectors for an EmbeddingRequest. */
export interface EmbeddingResult {
  /** One vector of floats per input, in the order of `input`. */
  embeddings: number[][];
  /** The model that answered, as the provider names it. */
  model: string;
  /** As the provider reported it, else estimated from the inputs' lengths (4 characters a token). */
  usage: EmbeddingUsage;
}

/** An embedding request built for one endpoint and not yet sent (see `PreparedChat`). */
export interface PreparedEmbedding {
  /** Sends it. Same errors as `ChatProvider.embed`, except those of `prepareEmbedding`. */
  embed(signal?: AbortSignal): Promise<EmbeddingResult>;
}

export interface ChatProvider {
  readonly kind: ProviderKind;
  /**
   * Where it calls, in its public form (`publicEndpoint`: scheme://host[:port]/path, no userinfo or
   * query, so safe to show in status, health, metrics and logs), or `local`.
   */
  readonly endpoint: string;
  /**
   * Builds `request` for this endpoint without calling it. The AI service prepares before entering
   * the endpoint's breaker, so that a request our side cannot build never counts as the endpoint's
   * failure. Throws ProviderError `invalid_request` for a request that cannot be serialized (nested
   * too deep, cyclic, a BigInt), and the provider's own refusals (Ollama: an unsupported
   * `tool_choice`, `http` 400); nothing is sent either way.
   */
  prepare(request: ChatRequest): PreparedChat;
  /** One answer: `prepare(request).chat(signal)`. Throws ProviderError; aborts (code `aborted`) when `signal` fires. */
  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult>;
  /** The answer as deltas, as the upstream sends them: `prepare(request).stream(signal)`. Same errors as `chat`. */
  stream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta>;
  /**
   * Builds an embedding request for this endpoint without calling it, so that what our side or the
   * provider refuses never reaches the endpoint's breaker (as `prepare`). Throws ProviderError
   * `unsupported` when the provider cannot embed at all (the local responder), `invalid_request`
   * when it cannot take this `input` (Ollama and token arrays).
   */
  prepareEmbedding(request: EmbeddingRequest): PreparedEmbedding;
  /** Vectors for `request`: `prepareEmbedding(request).embed(signal)`. Throws ProviderError. */
  embed(request: EmbeddingRequest, signal?: AbortSignal): Promise<EmbeddingResult>;
  /** Model names the endpoint offers. */
  models(signal?: AbortSignal): Promise<string[]>;
  /** A cheap probe of the endpoint; never throws. */
  health(signal?: AbortSignal): Promise<ProviderHealth>;
}

/**
 * How a provider call failed:
 * - `connection`: refused, reset, DNS; `timeout`: no answer in time; `aborted`: our caller cancelled;
 * - `http`: the upstream answered with an error `status`; `bad_response`: an answer we cannot parse;
 * - `breaker_open`: not called at all, because the endpoint's circuit breaker is open;
 * - `invalid_request`: not called at all, because the request cannot be built (the caller's input:
 *   nested too deep to serialize, say). Says nothing about the endpoint.
 * - `unsupported`: not answered, because the provider cannot honour what the request asks for (the
 *   local responder and a forced tool call or a JSON answer). Says nothing about the endpoint; a
 *   later link of the chain may honour it.
 */
export type ProviderErrorCode =
  | 'invalid_request'
  | 'unsupported'
  | 'connection'
  | 'timeout'
  | 'aborted'
  | 'http'
  | 'bad_response'
  | 'breaker_open';

/**
 * `body` as JSON text, for a request about to be sent.
 * @throws ProviderError `invalid_request` (with the serializer's error as `cause`) when it cannot be
 *   serialized: nested deeper than the stack allows (RangeError), cyclic or holding a BigInt (TypeError).
 */
export function serializeRequest(body: unknown, provider: ProviderKind): string {
  try {
    return JSON.stringify(body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProviderError(
      `the request cannot be serialized: ${reason}`,
      'invalid_request',
      provider,
      undefined,
      {
        cause: error,
      },
    );
  }
}

/** Statuses worth another try: request timeout, rate limited, and server errors. */
const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * A failed provider call. `retryable` is decided by the code (connection and timeout errors, and
 * HTTP 408/429/5xx retry; 4xx and unparseable answers do not). The message never holds an API key.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly retryable: boolean;
  constructor(
    message: string,
    readonly code: ProviderErrorCode,
    readonly provider: ProviderKind,
    readonly status?: number,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.retryable =
      code === 'connection' || code === 'timeout' || (code === 'http' && RETRYABLE_STATUS(status ?? 0));
  }
  /** The upstream's `Retry-After`, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;
}

/**
 * The model names in a provider's model list: the string `nameKey` of each item of
 * `body[listKey]` (Ollama's `/api/tags`: `models[].name`; OpenAI's `/models`: `data[].id`).
 * @throws ProviderError `bad_response` when `body[listKey]` is not a list.
 */
export function modelNamesIn(
  body: unknown,
  listKey: string,
  nameKey: string,
  source: { provider: ProviderKind; route: string },
): string[] {
  const items = (body as Record<string, unknown> | null)?.[listKey];
  if (!Array.isArray(items)) {
    throw new ProviderError(`${source.route} answered without ${listKey}`, 'bad_response', source.provider);
  }
  return items
    .map((item) => (item as Record<string, unknown> | null)?.[nameKey])
    .filter((name): name is string => typeof name === 'string');
}

/**
 * A provider's `prepare`, `chat` and `stream` from its `prepare`: each call prepares, then sends.
 * `chat` and `stream` are methods of their own so that what `prepare` throws rejects the call, as
 * any other failure would.
 */
export function sendingPrepared(
  prepare: (request: ChatRequest) => PreparedChat,
): Pick<ChatProvider, 'prepare' | 'chat' | 'stream'> {
  return {
    prepare,
    async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
      return prepare(request).chat(signal);
    },
    async *stream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta> {
      yield* prepare(request).stream(signal);
    },
  };
}

/**
 * A provider's `prepareEmbedding` and `embed` from its `prepareEmbedding` (as `sendingPrepared`):
 * what `prepareEmbedding` throws rejects `embed`.
 */
export function sendingPreparedEmbedding(
  prepareEmbedding: (request: EmbeddingRequest) => PreparedEmbedding,
): Pick<ChatProvider, 'prepareEmbedding' | 'embed'> {
  return {
    prepareEmbedding,
    async embed(request: EmbeddingRequest, signal?: AbortSignal): Promise<EmbeddingResult> {
      return prepareEmbedding(request).embed(signal);
    },
  };
}

/** Usage estimated from the inputs' lengths, for a provider that reported none: 4 characters a token. */
export function estimatedEmbeddingUsage(input: EmbeddingRequest['input']): EmbeddingUsage {
  const tokens = input.reduce<number>(
    (sum, item) => sum + (typeof item === 'string' ? Math.ceil(item.length / 4) : item.length),
    0,
  );
  return { prompt_tokens: tokens, total_tokens: tokens };
}

/** Whether `value` is a non-empty array of finite numbers. */
export function isVector(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((n) => typeof n === 'number' && Number.isFinite(n))
  );
}
