/**
 * The OpenAI-compatible provider: the chat completions API of any `/v1` base URL (OpenAI, LiteLLM,
 * vLLM, OpenRouter, Ollama's `/v1`, a WaddleAI-style proxy), called with `undici` directly.
 *
 * Why undici and not the `openai` package: the gateway (`POST /v1/chat/completions`) proxies every
 * request through here, and the client was most of chatgate's CPU per request. Measured in one
 * process, 10 parallel loops against a local fake upstream: the `openai` package 426 µs CPU per
 * request, the global fetch 284 µs, `undici.request` through an Agent 80 µs. The wire format is
 * small (one JSON POST, SSE for streams, one GET), so the package's typing and retries bought little.
 * Calls go through the Agent's `dispatch()` with handlers of our own (whole-response.ts,
 * streaming-response.ts), not `request()`: its handler made every request's objects outlive V8's
 * young-generation collections, which set the gateway's tail latency (see whole-response.ts).
 */
import { Agent, type Dispatcher } from 'undici';
import { endpointCredentials, publicEndpoint } from '../../../core/endpoint-url.js';
import { SecretScrubber } from '../../../core/secret-scrubber.js';
import type {
  ChatDelta,
  ChatProvider,
  ChatRequest,
  ChatResult,
  EmbeddingRequest,
  EmbeddingResult,
  FinishReason,
  PreparedChat,
  PreparedEmbedding,
  ProviderHealth,
  Usage,
} from '../provider.js';
import {
  modelNamesIn,
  ProviderError,
  sendingPrepared,
  sendingPreparedEmbedding,
  serializeRequest,
} from '../provider.js';
import { fromOpenAIEmbed, toOpenAIEmbed } from './map-embed.js';
import { MAX_ERROR_BODY_BYTES, readUpstreamError, streamError, toProviderError } from './map-errors.js';
import { fromChunk, fromCompletion, toOpenAIRequest } from './map-request.js';
import { sseReader } from './sse.js';
import { requestStreaming, type StreamingBody } from './streaming-response.js';
import { requestWhole } from './whole-response.js';

/** Options of `createOpenAIProvider`. */
export interface OpenAIProviderOptions {
  /**
   * The API base URL including `/v1`, e.g. `http://127.0.0.1:4000/v1` (a trailing `/` is ignored).
   * Its public form (no userinfo, no query) is the provider's `endpoint`.
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; a placeholder is sent when absent (local servers need none). */
  apiKey?: string;
  /** The undici dispatcher to call through (tests, proxies). Default: an Agent of this provider's own. */
  dispatcher?: Dispatcher;
}

/** Sent when no key is configured: some servers insist on the header, local ones ignore it. */
const PLACEHOLDER_KEY = 'no-key';

/**
 * The provider's own Agent: keep-alive connections, as many per origin as there are calls in
 * flight. No cap: a cap queues calls behind streams that stay open for the whole answer (measured:
 * 128 connections made 1,000 held streams wait 16 s for their first token, 9,900 wait 120 s). The
 * number of calls is bounded upstream of here (queue concurrency, the API's rate limit). No headers
 * or body timeout: how long a call may take is the caller's signal's business (the AI service's
 * timeout), and a slow model may think for minutes before its first byte.
 */
const AGENT_OPTIONS: Agent.Options = { headersTimeout: 0, bodyTimeout: 0 };

/** How long a stream's body may stay open after its `data: [DONE]` before we close the connection. */
const AFTER_DONE_MS = 1000;

/**
 * Creates a ChatProvider (kind `openai`, endpoint `publicEndpoint(baseUrl)`) for an OpenAI-compatible server.
 *
 * `chat` posts to `{baseUrl}/chat/completions`, `stream` does the same with `stream: true` and
 * `stream_options.include_usage`, reads the SSE answer up to `data: [DONE]` and yields the finish
 * reason and usage together as the last delta. `models` and `health` read `{baseUrl}/models`.
 * `tools`, `tool_choice`, `response_format`, `user` and tool-call messages go through one to one;
 * the model's `tool_calls` come back as the server sends them (in `stream`, as index-numbered pieces
 * whose arguments concatenate), with its `finish_reason`. `embed` posts to `{baseUrl}/embeddings`
 * (inputs, token ids included, passed through; floats asked for: see map-embed.ts).
 *
 * One call per method call: retry, timeout and breaker live in the AI service. Every call carries
 * `user-agent: chatgate` and never an OpenAI organization or project header. Methods throw
 * ProviderError only (`health` never throws); messages never contain the API key. Every response
 * body is read to its end or destroyed, also on errors and aborts, so no socket is left hanging.
 * The Agent lives as long as the provider (the registry keeps one provider per endpoint and key).
 *
 * @example
 * const p = createOpenAIProvider({ baseUrl: 'http://127.0.0.1:4000/v1', apiKey: process.env.KEY });
 * for await (const d of p.stream({ model: 'gpt-4o-mini', messages })) process.stdout.write(d.content ?? '');
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): ChatProvider {
  const { baseUrl } = options;
  const secret = options.apiKey || undefined;
  const dispatcher = options.dispatcher ?? new Agent(AGENT_OPTIONS);
  const target = parseBaseUrl(baseUrl);
  const base = {
    authorization: `Bearer ${secret ?? PLACEHOLDER_KEY}`,
    accept: 'application/json',
    'user-agent': 'chatgate',
  };
  const postJson = { ...base, 'content-type': 'application/json' };
  const postStream = { ...postJson, accept: 'text/event-stream' };
  // The base URL's userinfo and query may hold credentials too (`?api_key=…`): kept out of errors.
  const scrubber = new SecretScrubber([secret, ...endpointCredentials(baseUrl)]);
  const fail = (error: unknown, signal?: AbortSignal) => toProviderError(error, scrubber, signal);

  /**
   * undici's dispatch options for `method {baseUrl}{path}`.
   * @throws ProviderError `connection` when the base URL is not an http(s) URL.
   */
  function exchange(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Dispatcher.DispatchOptions {
    if (!target) {
      throw new ProviderError('OpenAI-compatible base URL is not an http(s) URL', 'connection', 'openai');
    }
    return { origin: target.origin, path: `${target.path}${path}${target.search}`, method, headers, body };
  }

  /**
   * The body of a 2xx answer to `POST {baseUrl}{path}`, read as it arrives (`requestStreaming`);
   * an error status throws an UpstreamError.
   */
  async function postStreaming(
    path: string,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<StreamingBody> {
    const response = await requestStreaming(dispatcher, exchange('POST', path, headers, body), signal);
    if (response.statusCode >= 200 && response.statusCode < 300) return response.body;
    throw await readUpstreamError(response.statusCode, response.headers, response.body, scrubber);
  }

  /**
   * The JSON of a 2xx answer to `method {baseUrl}{path}`, read whole (`requestWhole`); an error
   * status throws an UpstreamError.
   */
  async function callJson(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const request = exchange(method, path, headers, body);
    const response = await requestWhole(dispatcher, request, signal, MAX_ERROR_BODY_BYTES);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return JSON.parse(response.body.toString('utf8'));
    }
    throw await readUpstreamError(response.statusCode, response.headers, [response.body], scrubber);
  }

  async function models(signal?: AbortSignal): Promise<string[]> {
    try {
      const page = await callJson('GET', '/models', base, undefined, signal);
      return modelNamesIn(page, 'data', 'id', { provider: 'openai', route: 'OpenAI-compatible /models' });
    } catch (error) {
      throw fail(error, signal);
    }
  }

  /** The stream of `payload` (a serialized streaming request): deltas up to `data: [DONE]`. */
  async function* streamAnswer(payload: string, signal?: AbortSignal): AsyncIterable<ChatDelta> {
    // The finish reason comes one chunk before the usage chunk; hold it so the last delta has both.
    let finish: FinishReason | undefined;
    let usage: Usage | undefined;
    let done = false;
    let grace: NodeJS.Timeout | undefined;
    const last = (): ChatDelta => {
      if (finish === undefined) {
        throw new ProviderError(
          'OpenAI-compatible stream ended without a finish_reason',
          'bad_response',
          'openai',
        );
      }
      return { finish_reason: finish, ...(usage ? { usage } : {}) };
    };
    try {
      const body = await postStreaming('/chat/completions', postStream, payload, signal);
      const events = sseReader();
      const chunks = body[Symbol.asyncIterator]();
      let ended = false;
      try {
        while (!ended) {
          const next = await chunks.next();
          ended = next.done === true;
          for (const event of ended ? events.end() : events.feed(next.value)) {
            if (done) continue;
            if (event.data === '[DONE]') {
              const final = last();
              done = true;
              yield final;
              // Read on to the body's end (it is usually there already), so that the connection
              // is kept for the next call; an upstream that keeps the body open gets AFTER_DONE_MS.
              grace = setTimeout(() => body.destroy(), AFTER_DONE_MS).unref();
              continue;
            }
            const chunk = parseEvent(event.data);
            const failure = chunk as { error?: unknown } | null;
            if (event.event === 'error') throw streamError(failure?.error ?? chunk, scrubber);
            if (failure?.error) throw streamError(failure.error, scrubber);
            const { content, tool_calls, ...rest } = fromChunk(chunk);
            if (content !== undefined || tool_calls !== undefined) {
              yield { ...(content !== undefined ? { content } : {}), ...(tool_calls ? { tool_calls } : {}) };
            }
            finish = rest.finish_reason ?? finish;
            usage = rest.usage ?? usage;
          }
        }
      } finally {
        // Leaving early (an error, the consumer stopping) destroys the body and its socket.
        if (!ended) await chunks.return?.();
      }
    } catch (error) {
      // Once `[DONE]` came, the answer is whole: how the rest of the body went does not matter.
      if (!done) throw fail(error, signal);
    } finally {
      clearTimeout(grace);
    }
    if (done) return;
    // The body ended without `[DONE]`: an answer if it had its finish, else an upstream that just stopped.
    if (signal?.aborted) throw fail(signal.reason, signal);
    yield last();
  }

  /** Maps and serializes `request` once; sending is all that is left (see ChatProvider.prepare). */
  function prepare(request: ChatRequest): PreparedChat {
    const payload = serializeRequest(toOpenAIRequest(request), 'openai');
    return {
      async chat(signal?: AbortSignal): Promise<ChatResult> {
        try {
          return fromCompletion(
            await callJson('POST', '/chat/completions', postJson, payload, signal),
            request.model,
          );
        } catch (error) {
          throw fail(error, signal);
        }
      },
      stream: (signal?: AbortSignal) => streamAnswer(withStreamFields(payload), signal),
    };
  }

  /** Serializes an `/embeddings` request once (see map-embed.ts); sending is all that is left. */
  function prepareEmbedding(request: EmbeddingRequest): PreparedEmbedding {
    const payload = serializeRequest(toOpenAIEmbed(request), 'openai');
    return {
      async embed(signal?: AbortSignal): Promise<EmbeddingResult> {
        try {
          return fromOpenAIEmbed(await callJson('POST', '/embeddings', postJson, payload, signal), request);
        } catch (error) {
          throw fail(error, signal);
        }
      },
    };
  }

  return {
    kind: 'openai',
    endpoint: publicEndpoint(baseUrl),
    ...sendingPrepared(prepare),
    ...sendingPreparedEmbedding(prepareEmbedding),
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

/**
 * A serialized chat completions body with `stream: true` and `stream_options.include_usage` added
 * at its end. Spliced rather than serialized again: the body is a non-empty JSON object (it always
 * has `model`), and `toOpenAIRequest` never sets either field, so no key is repeated.
 */
function withStreamFields(payload: string): string {
  return `${payload.slice(0, -1)},"stream":true,"stream_options":{"include_usage":true}}`;
}

/** A stream event's `data` as JSON; anything else is a ProviderError `bad_response`. */
function parseEvent(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new ProviderError(
      'OpenAI-compatible server answered unreadably: a stream event that is not JSON',
      'bad_response',
      'openai',
    );
  }
}

/**
 * Where calls go: the base URL's origin, its path without a trailing `/` (`/v1` stays as given) and
 * its query, which goes after each method's path. Undefined for anything but an http(s) URL.
 *
 * @example
 * parseBaseUrl('http://127.0.0.1:4000/v1/'); // { origin: 'http://127.0.0.1:4000', path: '/v1', search: '' }
 */
function parseBaseUrl(baseUrl: string): { origin: string; path: string; search: string } | undefined {
  if (!URL.canParse(baseUrl)) return undefined;
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return { origin: url.origin, path: url.pathname.replace(/\/+$/, ''), search: url.search };
}
