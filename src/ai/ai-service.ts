import type { CommunitySettings } from '../community/community-settings.js';
import type { ChatMode } from '../config/schema.js';
import type { Metrics } from '../observability/metrics.js';
import type { AiOrigin, AiResult, AiStream, ServiceStatus } from './ai-result.js';
import { describeFailure, recordProviderFailure, recordProviderSuccess } from './provider-outcome.js';
import { ownEndpointFor, type ProviderLink, type ProviderRegistry } from './provider-registry.js';
import {
  type ChatDelta,
  type ChatMessage,
  type ChatRequest,
  type PreparedChat,
  ProviderError,
  type ProviderKind,
} from './providers/provider.js';

/** One question for the AI service: whose settings apply, and the prompt. */
export interface AiRequest {
  community: Pick<
    CommunitySettings,
    'provider' | 'model' | 'fallbackProvider' | 'fallbackModel' | 'temperature' | 'maxTokens'
  > &
    Partial<Pick<CommunitySettings, 'baseUrl' | 'apiKey'>>;
  messages: ChatMessage[];
  /** OpenAI request fields passed to the provider as they are (they win over the community's). */
  options?: Omit<ChatRequest, 'model' | 'messages' | 'hint'>;
  /** Ask this provider and model only (then the local responder, when the mode allows it). */
  pin?: { kind: ProviderKind; model: string };
  /** The plain text being answered, for the local responder. */
  hint?: ChatRequest['hint'];
  signal?: AbortSignal;
}

/** No link of the chain could answer (remote mode with offline replies off, or a cancel). */
export class AiUnavailableError extends Error {
  override readonly name = 'AiUnavailableError';
  constructor(
    readonly reasons: string,
    /** The last link's error, for callers that map it (an upstream 400 or 404, say). */
    readonly lastError?: unknown,
    /**
     * Every failed link's error, in chain order (`lastError` last), for callers that look past the
     * last one: when the local responder refused a request it cannot honour, an earlier link's
     * refusal of it says more.
     */
    readonly errors: readonly unknown[] = lastError === undefined ? [] : [lastError],
  ) {
    super(`no provider could answer: ${reasons}`);
  }
}

interface ChainLink {
  kind: ProviderKind;
  model: string;
  link: ProviderLink;
}

/** How long a stream may take to its first delta, per link, ms (the whole stream's limit is the caller's). */
export interface StreamTimeouts {
  firstByteTimeoutMs: number;
}

/**
 * Answers chat requests through a community's provider chain: its provider → its fallback → the
 * local responder, each remote link behind its endpoint's timeout/retry/breaker guard. Each link's
 * request is built (`ChatProvider.prepare`) before its guard, so only the upstream's own answers
 * and connection count against a breaker, never a request our side could not build.
 * Modes: `remote` (remote links; local only when offline replies are enabled), `local` (the local
 * responder only), `hybrid` (remote, then local).
 */
export class AiService {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly metrics: Metrics,
    private modeSetting: ChatMode,
    private readonly offlineResponses: boolean,
    private readonly streamTimeouts: StreamTimeouts = { firstByteTimeoutMs: 120_000 },
  ) {}

  get mode(): ChatMode {
    return this.modeSetting;
  }

  /** Switches the mode at run time (admin route); applies to the next request. */
  setMode(mode: ChatMode): void {
    this.modeSetting = mode;
  }

  /**
   * Asks the chain, link by link, until one answers.
   * @throws AiUnavailableError when no link answered (its `reasons` say why each failed), or the
   *   request cannot be built (`lastError`: ProviderError `invalid_request`, the caller's input).
   * @throws anything else a provider throws while building the request (our own bug), as it is.
   */
  async complete(request: AiRequest): Promise<AiResult> {
    const started = performance.now();
    return this.firstAnswer(request, async ({ model, link }, prepared, origin) => {
      const result = link.guard
        ? await link.guard.execute((signal) => prepared.chat(signal), request.signal)
        : await prepared.chat(request.signal);
      return {
        content: result.content,
        toolCalls: result.tool_calls,
        finishReason: result.finish_reason,
        usage: result.usage,
        ...origin(result.model || model),
        processingTimeMs: Math.round(performance.now() - started),
      };
    });
  }

  /**
   * Opens a streamed answer. Fallback happens only before the first delta: each link must produce
   * one within `firstByteTimeoutMs` (retried and guarded like `complete`), and the stream of the
   * first link that does is returned. A failure after that is thrown by the stream's iterator.
   * @throws AiUnavailableError when no link produced a first delta; building errors as `complete`.
   */
  async stream(request: AiRequest): Promise<AiStream> {
    return this.firstAnswer(request, async ({ model, link }, prepared, origin) => {
      const open = async (signal: AbortSignal | undefined) => {
        const iterator = prepared.stream(signal)[Symbol.asyncIterator]();
        return { iterator, first: await iterator.next() };
      };
      // The attempt's signal stops applying once the first delta is in (its timeout is over), so
      // the stream keeps listening to the caller's signal on its own.
      const opened = link.guard
        ? await link.guard.execute(
            (signal) => open(request.signal ? AbortSignal.any([signal, request.signal]) : signal),
            request.signal,
            this.streamTimeouts.firstByteTimeoutMs,
          )
        : await open(request.signal);
      return { ...origin(model), deltas: continueFrom(opened.first, opened.iterator) };
    });
  }

  /**
   * Runs `answer` on each link of the chain in turn and returns the first answer; each failure is
   * counted and becomes part of the reasons (`fallbackReason` of a later answer). Each link's
   * request is prepared before `answer` runs, outside the endpoint's guard, so that only what the
   * upstream does can count against its breaker.
   * @throws AiUnavailableError when no link answered, the caller cancelled before one did, or the
   *   request cannot be built at all (`lastError`: ProviderError `invalid_request`; no link is tried
   *   after it, since none could send it).
   * @throws whatever else a provider's `prepare` throws (not a ProviderError: our own bug), as it is.
   */
  private async firstAnswer<T>(
    request: AiRequest,
    answer: (link: ChainLink, prepared: PreparedChat, origin: (model: string) => AiOrigin) => Promise<T>,
  ): Promise<T> {
    const reasons: string[] = [];
    const errors: unknown[] = [];
    let lastError: unknown;
    for (const [index, link] of this.chain(request).entries()) {
      if (request.signal?.aborted) break;
      const attemptStarted = performance.now();
      let prepared: PreparedChat;
      try {
        prepared = link.link.provider.prepare(this.chatRequest(request, link.model));
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        lastError = error;
        errors.push(error);
        if (error.code === 'invalid_request') {
          reasons.push(describeFailure(link.kind, error));
          break;
        }
        reasons.push(recordProviderFailure(this.metrics, link.kind, error, attemptStarted));
        continue;
      }
      try {
        const result = await answer(link, prepared, (model) => this.origin(link.kind, model, index, reasons));
        recordProviderSuccess(this.metrics, link.kind, attemptStarted);
        return result;
      } catch (error) {
        lastError = error;
        errors.push(error);
        reasons.push(recordProviderFailure(this.metrics, link.kind, error, attemptStarted));
      }
    }
    throw new AiUnavailableError(reasons.join('; ') || 'cancelled', lastError, errors);
  }

  private chatRequest(request: AiRequest, model: string): ChatRequest {
    return {
      model,
      messages: request.messages,
      temperature: request.community.temperature,
      max_tokens: request.community.maxTokens,
      ...request.options,
      hint: request.hint,
    };
  }

  private origin(kind: ProviderKind, model: string, index: number, reasons: string[]): AiOrigin {
    return {
      mode: kind === 'local' ? 'local' : 'remote',
      provider: kind,
      model,
      serviceStatus: statusOf(index, kind),
      fallbackReason: reasons.length > 0 ? reasons.join('; ') : undefined,
    };
  }

  /** The links to try under the current mode, without duplicates. */
  private chain(request: AiRequest): ChainLink[] {
    const { community, pin } = request;
    const links: ChainLink[] = [];
    const add = (kind: ProviderKind | undefined, model: string | undefined) => {
      if (!kind || links.some((link) => link.kind === kind)) return;
      const resolved = kind === 'local' ? 'local-responder' : (model ?? community.model);
      links.push({ kind, model: resolved, link: this.registry.get(kind, ownEndpointFor(community, kind)) });
    };
    if (pin) add(pin.kind, pin.model);
    else if (this.modeSetting !== 'local') {
      add(community.provider, community.model);
      add(community.fallbackProvider, community.fallbackModel);
    }
    if (this.modeSetting !== 'remote' || this.offlineResponses) add('local', undefined);
    return links;
  }
}

/** The stream again, its first result put back in front. */
async function* continueFrom(
  first: IteratorResult<ChatDelta>,
  rest: AsyncIterator<ChatDelta>,
): AsyncGenerator<ChatDelta> {
  if (first.done) return;
  yield first.value;
  try {
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // The consumer stopped early (a client gone): let the provider close its request.
    await rest.return?.();
  }
}

function statusOf(index: number, kind: ProviderKind): ServiceStatus {
  if (kind === 'local') return 'offline';
  return index === 0 ? 'healthy' : 'degraded';
}
