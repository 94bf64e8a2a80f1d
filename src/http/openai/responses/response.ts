import type { AiResult } from '../../../ai/ai-result.js';
import type { FinishReason, ToolCall, Usage } from '../../../ai/providers/provider.js';
import { pooledRandomBytes } from '../../../core/random-bytes.js';
import { estimatedUsage, nowSeconds } from '../completion.js';
import type { ParsedResponsesRequest, ResponseEcho } from './request.js';

/** An OpenAI-looking id: `prefix_` and 48 hex digits (`resp_…`, `msg_…`, `fc_…`). */
export const itemId = (prefix: 'resp' | 'msg' | 'fc') => `${prefix}_${pooledRandomBytes(24).toString('hex')}`;

/** `status` of a Response and its `incomplete_details`, from how the answer ended. */
export function ending(finishReason: FinishReason | undefined) {
  if (finishReason === 'length') {
    return { status: 'incomplete' as const, incomplete_details: { reason: 'max_output_tokens' as const } };
  }
  if (finishReason === 'content_filter') {
    return { status: 'incomplete' as const, incomplete_details: { reason: 'content_filter' as const } };
  }
  return { status: 'completed' as const, incomplete_details: null };
}

/** A Response's `usage` (spec `ResponseUsage`) from chat usage; no cached or reasoning tokens are known. */
export function responseUsage(usage: Usage) {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens,
  };
}

/** An assistant `message` output item with one `output_text` part. */
export function messageItem(id: string, text: string, status: 'in_progress' | 'completed') {
  return {
    id,
    type: 'message' as const,
    role: 'assistant' as const,
    status,
    content: status === 'in_progress' ? [] : [textPart(text)],
  };
}

/** An `output_text` content part (no annotations or log probabilities are produced). */
export const textPart = (text: string) => ({
  type: 'output_text' as const,
  text,
  annotations: [],
  logprobs: [],
});

/** A `function_call` output item; `call_id` is the id the caller answers with `function_call_output`. */
export function callItem(id: string, call: ToolCall, status: 'in_progress' | 'completed') {
  return {
    id,
    type: 'function_call' as const,
    status,
    call_id: call.id,
    name: call.function.name,
    arguments: call.function.arguments,
  };
}

/**
 * A Response object (spec `Response`): the request's echo, the model that answered, `output`, and
 * the fields that say how it ended. `store` is always false: chatgate keeps no responses.
 * @param createdAt seconds since the epoch.
 */
export function responseObject(
  id: string,
  createdAt: number,
  model: string,
  echo: ResponseEcho,
  state: {
    status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
    output: unknown[];
    usage?: ReturnType<typeof responseUsage>;
    incomplete_details?: { reason: 'max_output_tokens' | 'content_filter' } | null;
    error?: { code: 'server_error' | 'rate_limit_exceeded'; message: string } | null;
  },
) {
  return {
    id,
    object: 'response' as const,
    created_at: createdAt,
    status: state.status,
    completed_at: state.status === 'completed' ? nowSeconds() : null,
    error: state.error ?? null,
    incomplete_details: state.incomplete_details ?? null,
    model,
    output: state.output,
    parallel_tool_calls: true,
    previous_response_id: null,
    store: false,
    truncation: 'disabled' as const,
    ...echo,
    // Known once the answer has ended; the spec has no null for it.
    ...(state.usage ? { usage: state.usage } : {}),
  };
}

/** The Response of a finished (non-streamed) answer: a text message and/or function calls. */
export function responseBody(result: AiResult, promptChars: number, parsed: ParsedResponsesRequest) {
  const calls = result.toolCalls ?? [];
  const output: unknown[] = [];
  if (result.content || calls.length === 0)
    output.push(messageItem(itemId('msg'), result.content, 'completed'));
  for (const call of calls) output.push(callItem(itemId('fc'), call, 'completed'));
  const usage = result.usage ?? estimatedUsage(promptChars, result.content.length);
  const end = ending(calls.length > 0 ? 'tool_calls' : result.finishReason);
  return responseObject(itemId('resp'), nowSeconds(), result.model, parsed.echo, {
    ...end,
    output,
    usage: responseUsage(usage),
  });
}
