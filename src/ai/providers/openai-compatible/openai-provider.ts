/**
 * The OpenAI-compatible provider: the `openai` package pointed at any `/v1` base URL (OpenAI,
 * LiteLLM, vLLM, OpenRouter, Ollama's `/v1`, a WaddleAI-style proxy).
 */
import OpenAI from 'openai';
import type {
  ChatDelta,
  ChatProvider,
  ChatRequest,
  ChatResult,
  FinishReason,
  ProviderHealth,
  Usage,
} from '../provider.js';
import { ProviderError } from '../provider.js';
import { toProviderError } from './map-errors.js';
import { fromChunk, fromCompletion, toOpenAIRequest } from './map-request.js';

/** Options of `createOpenAIProvider`. */
export interface OpenAIProviderOptions {
  /** The API base URL including `/v1`, e.g. `http://127.0.0.1:4000/v1`. Also the provider's `endpoint`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; a placeholder is sent when absent (local servers need none). */
  apiKey?: string;
  /** The fetch to call through (tests, proxies). Default: the global fetch. */
  fetch?: typeof fetch;
}

/** Sent when no key is configured: the package insists on one, local servers ignore it. */
const PLACEHOLDER_KEY = 'no-key';

/**
 * Creates a ChatProvider (kind `openai`, endpoint `baseUrl`) for an OpenAI-compatible server.
 *
 * The package's own retries are off (`maxRetries: 0`): retry, timeout and breaker live in the AI
 * service. `stream` asks for `stream_options.include_usage` and yields the finish reason and usage
 * together as the last delta. `tools`, `tool_choice`, `response_format`, `user` and tool-call
 * messages go through one to one; the model's `tool_calls` come back as the server sends them (in
 * `stream`, as index-numbered pieces whose arguments concatenate), with its `finish_reason`.
 * Methods throw ProviderError only (`health` never throws); messages never contain the API key.
 *
 * @example
 * const p = createOpenAIProvider({ baseUrl: 'http://127.0.0.1:4000/v1', apiKey: process.env.KEY });
 * for await (const d of p.stream({ model: 'gpt-4o-mini', messages })) process.stdout.write(d.content ?? '');
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): ChatProvider {
  const { baseUrl, apiKey } = options;
  const client = new OpenAI({
    baseURL: baseUrl,
    apiKey: apiKey || PLACEHOLDER_KEY,
    maxRetries: 0,
    // Never pick these up from OPENAI_* environment variables and send them to a third-party server.
    organization: null,
    project: null,
    logLevel: 'off',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const fail = (error: unknown, signal?: AbortSignal) => toProviderError(error, signal, apiKey || undefined);

  async function models(signal?: AbortSignal): Promise<string[]> {
    try {
      const page: unknown = await client.models.list({ signal });
      const data = (page as { data?: unknown } | null)?.data;
      if (!Array.isArray(data)) {
        throw new ProviderError('OpenAI-compatible /models answered without data', 'bad_response', 'openai');
      }
      return data
        .map((m) => (m as { id?: unknown } | null)?.id)
        .filter((id): id is string => typeof id === 'string');
    } catch (error) {
      throw fail(error, signal);
    }
  }

  return {
    kind: 'openai',
    endpoint: baseUrl,

    async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
      try {
        const completion: unknown = await client.chat.completions.create(toOpenAIRequest(request), {
          signal,
        });
        return fromCompletion(completion, request.model);
      } catch (error) {
        throw fail(error, signal);
      }
    },

    async *stream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta> {
      // The finish reason comes one chunk before the usage chunk; hold it so the last delta has both.
      let finish: FinishReason | undefined;
      let usage: Usage | undefined;
      try {
        const body = {
          ...toOpenAIRequest(request),
          stream: true as const,
          stream_options: { include_usage: true },
        };
        const chunks = await client.chat.completions.create(body, { signal });
        for await (const chunk of chunks) {
          const { content, tool_calls, ...rest } = fromChunk(chunk);
          if (content !== undefined || tool_calls !== undefined) {
            yield { ...(content !== undefined ? { content } : {}), ...(tool_calls ? { tool_calls } : {}) };
          }
          finish = rest.finish_reason ?? finish;
          usage = rest.usage ?? usage;
        }
      } catch (error) {
        throw fail(error, signal);
      }
      // The package ends a stream quietly when it is aborted or the body just stops; neither is an answer.
      if (signal?.aborted) throw fail(signal.reason, signal);
      if (finish === undefined) {
        throw new ProviderError(
          'OpenAI-compatible stream ended without a finish_reason',
          'bad_response',
          'openai',
        );
      }
      yield { finish_reason: finish, ...(usage ? { usage } : {}) };
    },

    models,

    async health(signal?: AbortSignal): Promise<ProviderHealth> {
      const started = performance.now();
      try {
        const names = await models(signal);
        return { ok: true, latencyMs: performance.now() - started, detail: `${names.length} models` };
      } catch (error) {
        return { ok: false, latencyMs: performance.now() - started, detail: fail(error, signal).message };
      }
    },
  };
}
