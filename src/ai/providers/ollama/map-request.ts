/**
 * Mapping between our OpenAI-named request/result and Ollama's native `/api/chat` shapes. Tools,
 * tool messages and `format` are mapped in map-tools.ts.
 */
import type { ChatResponse, ChatRequest as OllamaChatRequest, Options } from 'ollama';
import type {
  ChatDelta,
  ChatRequest,
  ChatResult,
  FinishReason,
  ReasoningEffort,
  Usage,
} from '../provider.js';
import { ProviderError } from '../provider.js';
import {
  fromOllamaToolCalls,
  toOllamaFormat,
  toOllamaMessages,
  toOllamaTools,
  toToolCallDeltas,
} from './map-tools.js';

/**
 * Our request as an Ollama `/api/chat` body (without `stream`): sampling settings go into
 * `options` (`max_tokens` → `num_predict`); only the settings that are set are sent.
 * `reasoning_effort` becomes `think` (see `toOllamaThink`); without it `think` is not sent, so each
 * model uses its own default. `developer` messages are sent as `system`; `tools`, `tool_choice`,
 * tool-call messages and `response_format` (→ `format`) as map-tools.ts describes. `user`,
 * `verbosity`, `metadata`, `safety_identifier`, `prompt_cache_key` and `service_tier` are not sent
 * (Ollama has no such fields; honoured-params.ts names them to the caller).
 *
 * Throws ProviderError `http` 400 (not retryable) for what Ollama cannot honour: `tool_choice`
 * `required` or a named function, and tool-call arguments that are not a JSON object.
 */
export function toOllamaRequest(request: ChatRequest): OllamaChatRequest {
  const tools = toOllamaTools(request);
  const format = toOllamaFormat(request.response_format);
  const options: Partial<Options> = {};
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.top_p !== undefined) options.top_p = request.top_p;
  if (request.max_tokens !== undefined) options.num_predict = request.max_tokens;
  if (request.stop !== undefined) options.stop = request.stop;
  if (request.seed !== undefined) options.seed = request.seed;
  return {
    model: request.model,
    messages: toOllamaMessages(request.messages),
    ...(request.reasoning_effort !== undefined ? { think: toOllamaThink(request.reasoning_effort) } : {}),
    ...(tools ? { tools } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(Object.keys(options).length > 0 ? { options } : {}),
  };
}

/**
 * OpenAI's `reasoning_effort` as Ollama's `think` (the package takes `boolean | 'low' | 'medium' |
 * 'high'`): `none` turns thinking off; `low`, `medium` and `high` are the same levels; `minimal` is
 * the lowest level Ollama has (`low`) and `xhigh`/`max` its highest (`high`). Models that think
 * without levels treat a level as `true`.
 */
export function toOllamaThink(effort: ReasoningEffort): NonNullable<OllamaChatRequest['think']> {
  switch (effort) {
    case 'none':
      return false;
    case 'minimal':
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
    case 'xhigh':
    case 'max':
      return 'high';
  }
}

/** Ollama's `done_reason` as our finish reason: `length` stays `length`, anything else is `stop`. */
export function toFinishReason(doneReason: unknown): FinishReason {
  return doneReason === 'length' ? 'length' : 'stop';
}

/** Usage from Ollama's counts (`prompt_eval_count`, `eval_count`); undefined when neither is a number. */
export function toUsage(response: Partial<ChatResponse>): Usage | undefined {
  const prompt = response.prompt_eval_count;
  const completion = response.eval_count;
  if (typeof prompt !== 'number' && typeof completion !== 'number') return undefined;
  const p = typeof prompt === 'number' ? prompt : 0;
  const c = typeof completion === 'number' ? completion : 0;
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
}

/**
 * A non-streamed `/api/chat` answer as our ChatResult (`thinking` → `reasoning`). Tool calls come
 * back with JSON-string arguments and generated ids, and make `finish_reason` `tool_calls` (Ollama
 * says `stop`). Throws ProviderError `bad_response` when the answer has no `message.content` string
 * or a tool call without a name.
 */
export function fromOllamaResponse(response: unknown, requestedModel: string): ChatResult {
  const r = (typeof response === 'object' && response !== null ? response : {}) as Partial<ChatResponse>;
  const content = r.message?.content;
  if (typeof content !== 'string') {
    throw new ProviderError('Ollama answered without message content', 'bad_response', 'ollama');
  }
  const thinking = r.message?.thinking;
  const toolCalls = fromOllamaToolCalls(r.message?.tool_calls);
  const usage = toUsage(r);
  return {
    content,
    ...(typeof thinking === 'string' && thinking !== '' ? { reasoning: thinking } : {}),
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    finish_reason: toolCalls.length > 0 ? 'tool_calls' : toFinishReason(r.done_reason),
    ...(usage ? { usage } : {}),
    model: typeof r.model === 'string' ? r.model : requestedModel,
  };
}

/** Maps one streamed `/api/chat` part to a delta, or undefined when it carries nothing for us. */
export type DeltaMapper = (part: Partial<ChatResponse>) => ChatDelta | undefined;

/**
 * A mapper for the parts of one stream (it keeps state, so one per stream). Thinking-only parts map
 * to nothing. A part with `message.tool_calls` (Ollama sends each call whole, usually in a part
 * before the `done` part) becomes `tool_calls` deltas numbered across the stream, each with a
 * generated id and its full arguments as a JSON string. The `done:true` part carries `usage` and
 * `finish_reason`: `tool_calls` when any call came in the stream, else from `done_reason`.
 * Throws ProviderError `bad_response` for a tool call without a name.
 */
export function createDeltaMapper(): DeltaMapper {
  let calls = 0;
  return (part) => {
    const content = part.message?.content;
    const delta: ChatDelta = {};
    if (typeof content === 'string' && content !== '') delta.content = content;
    const toolCalls = fromOllamaToolCalls(part.message?.tool_calls);
    if (toolCalls.length > 0) {
      delta.tool_calls = toToolCallDeltas(toolCalls, calls);
      calls += toolCalls.length;
    }
    if (part.done === true) {
      delta.finish_reason = calls > 0 ? 'tool_calls' : toFinishReason(part.done_reason);
      const usage = toUsage(part);
      if (usage) delta.usage = usage;
    }
    return Object.keys(delta).length > 0 ? delta : undefined;
  };
}
