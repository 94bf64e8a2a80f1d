/**
 * The Ollama provider: the `ollama` package against Ollama's native API (`/api/chat`, `/api/tags`,
 * `/api/version`).
 */
import { type AbortableAsyncIterator, type ChatResponse, Ollama } from 'ollama';
import { endpointCredentials, publicEndpoint } from '../../../core/endpoint-url.js';
import { SecretScrubber } from '../../../core/secret-scrubber.js';
import type {
  ChatDelta,
  ChatProvider,
  ChatRequest,
  ChatResult,
  EmbeddingRequest,
  EmbeddingResult,
  PreparedChat,
  PreparedEmbedding,
  ProviderHealth,
} from '../provider.js';
import {
  modelNamesIn,
  ProviderError,
  sendingPrepared,
  sendingPreparedEmbedding,
  serializeRequest,
} from '../provider.js';
import { fromOllamaEmbed, toOllamaEmbed } from './map-embed.js';
import { type FailureContext, toProviderError } from './map-errors.js';
import { createDeltaMapper, fromOllamaResponse, toOllamaRequest } from './map-request.js';

/** Options of `createOllamaProvider`. */
export interface OllamaProviderOptions {
  /** Ollama's base URL, e.g. `http://127.0.0.1:11434`. Its public form is the provider's `endpoint`. */
  host: string;
  /** The fetch to call through (tests, proxies). Default: the global fetch. */
  fetch?: typeof fetch;
}

/**
 * Creates a ChatProvider (kind `ollama`, endpoint `publicEndpoint(host)`) for an Ollama server.
 *
 * `chat` sends `stream:false` and maps `temperature`, `top_p`, `max_tokens` (→ `num_predict`),
 * `stop` and `seed` into `options`, `reasoning_effort` into `think`; the answer's `thinking` becomes
 * `reasoning`.
 *
 * Tools: `tools` are sent as Ollama expects them, and the model's calls come back as OpenAI-style
 * `tool_calls` (arguments as JSON strings, generated `call_…` ids, `finish_reason` `tool_calls`,
 * in `stream` too, where each call arrives whole in one delta). `response_format` becomes `format`
 * (`'json'` or the JSON schema); `user` is not sent. Ollama cannot force a tool call: `tool_choice`
 * `none` sends no tools, and `required` or a named function fail at once, without a call, with
 * ProviderError `http` 400 naming `tool_choice` (not retryable).
 *
 * Embeddings: `embed` posts the inputs to `/api/embed` as one string array (a batch, one call) and
 * maps the vectors and `prompt_eval_count` to OpenAI's terms; token-id inputs are refused by
 * `prepareEmbedding` (ProviderError `invalid_request`), since Ollama embeds text only.
 *
 * Every method
 * throws ProviderError only (except `health`, which never throws), and honours `signal`: the
 * package has no per-call signal, so each call gets its own client whose fetch carries the signal.
 *
 * @example
 * const ollama = createOllamaProvider({ host: 'http://127.0.0.1:11434' });
 * const { content } = await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] });
 */
export function createOllamaProvider(options: OllamaProviderOptions): ChatProvider {
  const { host } = options;
  const baseFetch = options.fetch ?? globalThis.fetch;
  // The host's userinfo and query may hold credentials: kept out of errors.
  const scrubber = new SecretScrubber(endpointCredentials(host));

  /** A client for one call: its fetch merges `signal` in and remembers the last response (for headers). */
  function clientFor(signal: AbortSignal | undefined): { client: Ollama; context: FailureContext } {
    const context: FailureContext = signal ? { signal, scrubber } : { scrubber };
    const callFetch: typeof fetch = async (input, init) => {
      const signals = [init?.signal, signal].filter((s): s is AbortSignal => s instanceof AbortSignal);
      const merged = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      const response = await baseFetch(input, { ...init, ...(merged ? { signal: merged } : {}) });
      context.response = response;
      return response;
    };
    return { client: new Ollama({ host, fetch: callFetch }), context };
  }

  /**
   * Maps `request` and checks that it serializes (see ChatProvider.prepare). The `ollama` package
   * serializes the body again when it sends it (it takes no text); the check costs one
   * `JSON.stringify` of the request, and keeps a request we cannot send out of the breaker.
   */
  function prepare(request: ChatRequest): PreparedChat {
    const body = toOllamaRequest(request);
    serializeRequest(body, 'ollama');
    return {
      async chat(signal?: AbortSignal): Promise<ChatResult> {
        const { client, context } = clientFor(signal);
        try {
          const response = await client.chat({ ...body, stream: false });
          return fromOllamaResponse(response, request.model);
        } catch (error) {
          throw toProviderError(error, context);
        }
      },

      async *stream(signal?: AbortSignal): AsyncIterable<ChatDelta> {
        const { client, context } = clientFor(signal);
        let parts: AbortableAsyncIterator<ChatResponse> | undefined;
        let finished = false;
        try {
          parts = await client.chat({ ...body, stream: true });
          const toDelta = createDeltaMapper();
          for await (const part of parts) {
            const delta = toDelta(part);
            if (delta) yield delta;
          }
          finished = true;
        } catch (error) {
          throw toProviderError(error, context);
        } finally {
          // The consumer stopped early (or we failed): release the HTTP call.
          if (!finished) parts?.abort();
        }
      },
    };
  }

  /** Maps `request` for `/api/embed` (see map-embed.ts); sending is all that is left. */
  function prepareEmbedding(request: EmbeddingRequest): PreparedEmbedding {
    const body = toOllamaEmbed(request);
    return {
      async embed(signal?: AbortSignal): Promise<EmbeddingResult> {
        const { client, context } = clientFor(signal);
        try {
          return fromOllamaEmbed(await client.embed(body), request);
        } catch (error) {
          throw toProviderError(error, context);
        }
      },
    };
  }

  return {
    kind: 'ollama',
    endpoint: publicEndpoint(host),
    ...sendingPrepared(prepare),
    ...sendingPreparedEmbedding(prepareEmbedding),

    async models(signal?: AbortSignal): Promise<string[]> {
      const { client, context } = clientFor(signal);
      try {
        const list: unknown = await client.list();
        return modelNamesIn(list, 'models', 'name', { provider: 'ollama', route: 'Ollama /api/tags' });
      } catch (error) {
        throw toProviderError(error, context);
      }
    },

    async health(signal?: AbortSignal): Promise<ProviderHealth> {
      const started = performance.now();
      const { client, context } = clientFor(signal);
      try {
        const answer: unknown = await client.version();
        const version = (answer as { version?: unknown } | null)?.version;
        if (typeof version !== 'string') {
          throw new ProviderError('Ollama /api/version answered without a version', 'bad_response', 'ollama');
        }
        return { ok: true, latencyMs: performance.now() - started, detail: `ollama ${version}` };
      } catch (error) {
        const detail = toProviderError(error, context).message;
        return { ok: false, latencyMs: performance.now() - started, detail };
      }
    },
  };
}
