import type { AiResult } from '../../ai/ai-result.js';
import type { FinishReason, ToolCallDelta, Usage } from '../../ai/providers/provider.js';
import { pooledRandomBytes } from '../../core/random-bytes.js';

/** `chatcmpl-` and 24 random base62-ish chars, as OpenAI's ids look. */
export function completionId(): string {
  return `chatcmpl-${pooledRandomBytes(18).toString('base64url')}`;
}

/** Seconds since the epoch (OpenAI's `created`). */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Rough token count of `chars` characters a provider did not count: 4 chars a token, rounded up. */
const estimateTokens = (chars: number) => Math.ceil(chars / 4);

/** Usage estimated from the prompt's and the answer's lengths, for a provider that reported none. */
export function estimatedUsage(promptChars: number, completionChars: number): Usage {
  const prompt_tokens = estimateTokens(promptChars);
  const completion_tokens = estimateTokens(completionChars);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

/** A `chat.completion` object (OpenAI's CreateChatCompletionResponse). */
export function completionBody(result: AiResult, promptChars: number) {
  const usage = result.usage ?? estimatedUsage(promptChars, result.content.length);
  const toolCalls = result.toolCalls?.length ? result.toolCalls : undefined;
  return {
    id: completionId(),
    object: 'chat.completion' as const,
    created: nowSeconds(),
    model: result.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          content: toolCalls && !result.content ? null : result.content,
          refusal: null,
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: toolCalls ? ('tool_calls' as const) : result.finishReason,
      },
    ],
    usage,
  };
}

/**
 * Builds the `chat.completion.chunk` events of one stream (`data: <json>\n\n`): same id, created
 * and model on each. The part every chunk shares is serialized once, here, not per delta: a stream
 * writes one chunk per upstream delta, and this is the gateway's hottest loop. The JSON is the same,
 * byte for byte and key for key, as `JSON.stringify` of the whole chunk object.
 */
export class ChunkBuilder {
  readonly id = completionId();
  readonly created = nowSeconds();
  /** `{"id":…,"object":"chat.completion.chunk","created":…,"model":…,`: every chunk's start. */
  private readonly head: string;
  /** What follows a delta chunk's `choices`: `,"usage":null}` when usage was asked, else `}`. */
  private readonly tail: string;

  constructor(model: string, includeUsage: boolean) {
    const head = JSON.stringify({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model,
    });
    this.head = `${head.slice(0, -1)},`;
    this.tail = includeUsage ? ',"usage":null}' : '}';
  }

  /** The event of a chunk with one choice carrying `delta`. */
  delta(
    delta: { role?: 'assistant'; content?: string; tool_calls?: ToolCallDelta[] },
    finishReason: FinishReason | null = null,
  ): string {
    const finish = finishReason === null ? 'null' : JSON.stringify(finishReason);
    return `data: ${this.head}"choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish}}]${this.tail}\n\n`;
  }

  /** The event of the last chunk when `include_usage` was asked: no choices, the usage. */
  usage(usage: Usage): string {
    return `data: ${this.head}"choices":[],"usage":${JSON.stringify(usage)}}\n\n`;
  }
}
