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

/** Builds the `chat.completion.chunk` objects of one stream: same id, created and model on each. */
export class ChunkBuilder {
  readonly id = completionId();
  readonly created = nowSeconds();

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  /** A chunk with one choice carrying `delta`. */
  delta(
    delta: { role?: 'assistant'; content?: string; tool_calls?: ToolCallDelta[] },
    finishReason: FinishReason | null = null,
  ) {
    return {
      ...this.head(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.includeUsage ? { usage: null } : {}),
    };
  }

  /** The last chunk when `include_usage` was asked: no choices, the usage. */
  usage(usage: Usage) {
    return { ...this.head(), choices: [], usage };
  }

  private head() {
    return {
      id: this.id,
      object: 'chat.completion.chunk' as const,
      created: this.created,
      model: this.model,
    };
  }
}
