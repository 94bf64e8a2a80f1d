import type { AiResult, AiStream } from '../../../ai/ai-result.js';
import type { AiRequest } from '../../../ai/ai-service.js';
import type { ChatDelta, ToolCall } from '../../../ai/providers/provider.js';
import { MemoryResponseCache } from '../../../ai/response-cache/memory-response-cache.js';
import { RedisResponseCache } from '../../../ai/response-cache/redis-response-cache.js';
import {
  type CachedAnswer,
  type ResponseCache,
  responseCacheKey,
} from '../../../ai/response-cache/response-cache.js';
import type { CommunitySettings } from '../../../community/community-settings.js';
import type { Metrics } from '../../../observability/metrics.js';
import type { Services } from '../../../services.js';

/** What the cache did for one request; `hit` and `miss` are also told as `x-chatgate-cache`. */
export type CacheResult = 'hit' | 'miss' | 'skip';

/** One request's dealings with the cache: whether it may read and write, and what happened. */
export interface CachePlan {
  /** Undefined when the request is not cached at all. */
  readonly key?: string;
  readonly read: boolean;
  readonly write: boolean;
  /** Set once known: `hit` (answered from the cache) or `miss` (answered upstream, stored if it may). */
  result?: CacheResult;
}

/** A request the cache does not touch (off, not deterministic, or `Cache-Control: no-store`). */
const UNCACHED: CachePlan = Object.freeze({ read: false, write: false });

/** What the gate needs to plan a request: the chain's request and the model the caller named. */
export type CacheableRequest = Omit<AiRequest, 'community' | 'signal'> & {
  community: Pick<CommunitySettings, 'communityId' | 'responseCache'> & AiRequest['community'];
};

/** Finish reasons of an answer that ended as the model meant it to; anything else is not kept. */
const CACHEABLE_FINISH = new Set(['stop', 'length', 'tool_calls']);

/**
 * The response cache as the OpenAI routes use it: exact-match replay of completed answers to
 * deterministic requests (`temperature: 0`, or a `seed`), per community and model. Only answers
 * of a remote provider that was the community's first choice and finished normally are kept: not
 * the local responder's templates, not an answer given after a fallback (it would pin a degraded
 * answer for the whole TTL). `Cache-Control: no-cache` answers upstream and stores the answer;
 * `no-store` neither reads nor writes.
 */
export class ResponseCacheGate {
  /**
   * @param cache where answers are kept; undefined = the cache is off (every request passes
   *   through untouched, uncounted and without `x-chatgate-cache`).
   * @param ttlMs how long an answer is kept, ms (> 0 when `cache` is set).
   */
  constructor(
    private readonly cache: ResponseCache | undefined,
    private readonly ttlMs: number,
    private readonly metrics: Pick<Metrics, 'responseCache'>,
  ) {}

  /**
   * How `request` deals with the cache. `cacheControl` is the request's `Cache-Control` header.
   * The key covers the community and its chain settings, the model asked and the pinned one, the
   * messages and every option; never the caller's key.
   */
  plan(request: CacheableRequest, model: string, cacheControl: string | string[] | undefined): CachePlan {
    // Off (the default): nothing to read, not even the header.
    if (!this.cache) return UNCACHED;
    const directives = new Set(
      [cacheControl ?? []]
        .flat()
        .flatMap((value) => value.split(','))
        .map((directive) => directive.trim().toLowerCase()),
    );
    const { options = {}, community } = request;
    const deterministic = options.temperature === 0 || options.seed !== undefined;
    if (!community.responseCache || !deterministic || directives.has('no-store')) {
      this.metrics.responseCache.labels('skip').inc();
      return UNCACHED;
    }
    const key = responseCacheKey({
      community: {
        id: community.communityId,
        provider: community.provider,
        model: community.model,
        baseUrl: community.baseUrl,
        fallbackProvider: community.fallbackProvider,
        fallbackModel: community.fallbackModel,
        temperature: community.temperature,
        maxTokens: community.maxTokens,
      },
      model,
      pin: request.pin,
      messages: request.messages,
      options,
    });
    return { key, read: !directives.has('no-cache'), write: true };
  }

  /** The answer from the cache when `plan` may read it and it is there, else `call`'s (kept if it may be). */
  async complete(plan: CachePlan, call: () => Promise<AiResult>): Promise<AiResult> {
    if (!plan.key) return call();
    const cached = await this.lookup(plan);
    if (cached) return replayResult(cached);
    const result = await call();
    if (
      this.cache &&
      plan.key &&
      plan.write &&
      cacheable(result) &&
      CACHEABLE_FINISH.has(result.finishReason)
    ) {
      await this.cache.set(plan.key, answerOf(result), this.ttlMs);
    }
    return result;
  }

  /**
   * The cached answer as a stream when `plan` may read it and it is there, else `open`'s stream,
   * recorded as it is read and kept once it ended normally (before the stream's iteration ends,
   * so that by the client's `[DONE]` it is stored). A stream cut by `signal` is not kept.
   */
  async stream(plan: CachePlan, open: () => Promise<AiStream>, signal: AbortSignal): Promise<AiStream> {
    if (!plan.key) return open();
    const cached = await this.lookup(plan);
    if (cached) return replayStream(cached);
    const stream = await open();
    const { cache } = this;
    const key = plan.key;
    if (!cache || !key || !plan.write || !cacheable(stream)) return stream;
    const keep = (answer: CachedAnswer) => cache.set(key, answer, this.ttlMs);
    return { ...stream, deltas: recorded(stream, signal, keep) };
  }

  private async lookup(plan: CachePlan): Promise<CachedAnswer | undefined> {
    if (!this.cache || !plan.key) return undefined;
    const cached = plan.read ? await this.cache.get(plan.key) : undefined;
    plan.result = cached ? 'hit' : 'miss';
    this.metrics.responseCache.labels(plan.result).inc();
    return cached;
  }
}

/** `x-chatgate-cache: hit|miss` for a request the cache dealt with; nothing otherwise. */
export function cacheHeaders(plan: CachePlan): Record<string, string> {
  return plan.result === 'hit' || plan.result === 'miss' ? { 'x-chatgate-cache': plan.result } : {};
}

/** Whether who answered may be cached: a remote model, the chain's first choice. */
const cacheable = (origin: Pick<AiResult, 'mode' | 'provider' | 'fallbackReason'>) =>
  origin.mode === 'remote' && origin.provider !== 'local' && !origin.fallbackReason;

function answerOf(result: AiResult): CachedAnswer {
  return {
    content: result.content,
    ...(result.toolCalls?.length ? { toolCalls: result.toolCalls } : {}),
    finishReason: result.finishReason as CachedAnswer['finishReason'],
    ...(result.usage ? { usage: result.usage } : {}),
    provider: result.provider,
    model: result.model,
  };
}

/** A cached answer as the chain's result: the provider that gave it, no time spent upstream. */
function replayResult(answer: CachedAnswer): AiResult {
  return {
    content: answer.content,
    ...(answer.toolCalls ? { toolCalls: answer.toolCalls } : {}),
    finishReason: answer.finishReason,
    ...(answer.usage ? { usage: answer.usage } : {}),
    provider: answer.provider,
    model: answer.model,
    mode: 'remote',
    serviceStatus: 'healthy',
    processingTimeMs: 0,
  };
}

/** A cached answer as a stream: its text, its tool calls whole, then the finish and the usage. */
function replayStream(answer: CachedAnswer): AiStream {
  async function* deltas(): AsyncGenerator<ChatDelta> {
    if (answer.content) yield { content: answer.content };
    if (answer.toolCalls?.length) {
      yield {
        tool_calls: answer.toolCalls.map((call, index) => ({
          index,
          id: call.id,
          type: call.type,
          function: { name: call.function.name, arguments: call.function.arguments },
        })),
      };
    }
    yield { finish_reason: answer.finishReason, ...(answer.usage ? { usage: answer.usage } : {}) };
  }
  return {
    provider: answer.provider,
    model: answer.model,
    mode: 'remote',
    serviceStatus: 'healthy',
    deltas: deltas(),
  };
}

/**
 * `stream`'s deltas, handed on one by one and put together on the way; once the upstream ended
 * normally and `signal` has not fired, `keep` gets the whole answer before the generator returns.
 */
async function* recorded(
  stream: AiStream,
  signal: AbortSignal,
  keep: (answer: CachedAnswer) => Promise<void>,
): AsyncGenerator<ChatDelta> {
  let content = '';
  const calls = new Map<number, ToolCall>();
  let finishReason: ChatDelta['finish_reason'];
  let usage: ChatDelta['usage'];
  for await (const delta of stream.deltas) {
    if (delta.content) content += delta.content;
    for (const piece of delta.tool_calls ?? []) {
      const call = calls.get(piece.index) ?? {
        id: '',
        type: 'function',
        function: { name: '', arguments: '' },
      };
      if (piece.id) call.id = piece.id;
      if (piece.function?.name) call.function.name += piece.function.name;
      if (piece.function?.arguments) call.function.arguments += piece.function.arguments;
      calls.set(piece.index, call);
    }
    if (delta.finish_reason) finishReason = delta.finish_reason;
    if (delta.usage) usage = delta.usage;
    yield delta;
  }
  // As the stream writers do: tool calls make it a tool_calls answer; no reason at all is a stop.
  const finish = calls.size > 0 ? 'tool_calls' : (finishReason ?? 'stop');
  if (signal.aborted || !CACHEABLE_FINISH.has(finish)) return;
  const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  await keep({
    content,
    ...(toolCalls.length ? { toolCalls } : {}),
    finishReason: finish as CachedAnswer['finishReason'],
    ...(usage ? { usage } : {}),
    provider: stream.provider,
    model: stream.model,
  });
}

/**
 * The gate of the OpenAI routes: on Redis when the services hold a client (shared by every
 * instance), else in process; a gate that lets everything through when `RESPONSE_CACHE_TTL_MS`
 * is 0 (the cache is off).
 */
export function responseCacheGateFor(
  services: Pick<Services, 'config' | 'metrics' | 'redis' | 'logger'>,
): ResponseCacheGate {
  const ttlMs = services.config.openaiApi.responseCacheTtlMs;
  if (ttlMs <= 0) return new ResponseCacheGate(undefined, 0, services.metrics);
  const cache = services.redis
    ? new RedisResponseCache(services.redis, {
        logger: services.logger.child({ component: 'response-cache' }),
      })
    : new MemoryResponseCache();
  return new ResponseCacheGate(cache, ttlMs, services.metrics);
}
