/**
 * Mapping between our OpenAI-named request/result and Ollama's native `/api/chat` shapes.
 */
import type { ChatResponse, ChatRequest as OllamaChatRequest, Options } from 'ollama';
import type { ChatDelta, ChatRequest, ChatResult, FinishReason, Usage } from '../provider.js';
import { ProviderError } from '../provider.js';

/**
 * Our request as an Ollama `/api/chat` body (without `stream`): sampling settings go into
 * `options` (`max_tokens` → `num_predict`); only the settings that are set are sent. `think` is not
 * sent, so each model uses its own default. `developer` messages are sent as `system`.
 */
export function toOllamaRequest(request: ChatRequest): OllamaChatRequest {
  const options: Partial<Options> = {};
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.top_p !== undefined) options.top_p = request.top_p;
  if (request.max_tokens !== undefined) options.num_predict = request.max_tokens;
  if (request.stop !== undefined) options.stop = request.stop;
  if (request.seed !== undefined) options.seed = request.seed;
  return {
    model: request.model,
    messages: request.messages.map((m) => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: m.content,
    })),
    ...(Object.keys(options).length > 0 ? { options } : {}),
  };
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
 * A non-streamed `/api/chat` answer as our ChatResult (`thinking` → `reasoning`).
 * Throws ProviderError `bad_response` when the answer has no `message.content` string.
 */
export function fromOllamaResponse(response: unknown, requestedModel: string): ChatResult {
  const r = (typeof response === 'object' && response !== null ? response : {}) as Partial<ChatResponse>;
  const content = r.message?.content;
  if (typeof content !== 'string') {
    throw new ProviderError('Ollama answered without message content', 'bad_response', 'ollama');
  }
  const thinking = r.message?.thinking;
  const usage = toUsage(r);
  return {
    content,
    ...(typeof thinking === 'string' && thinking !== '' ? { reasoning: thinking } : {}),
    finish_reason: toFinishReason(r.done_reason),
    ...(usage ? { usage } : {}),
    model: typeof r.model === 'string' ? r.model : requestedModel,
  };
}

/**
 * One streamed `/api/chat` part as a delta, or undefined when it carries nothing for us
 * (thinking-only parts). The `done:true` part carries `finish_reason` and `usage`.
 */
export function toDelta(part: Partial<ChatResponse>): ChatDelta | undefined {
  const content = part.message?.content;
  const delta: ChatDelta = {};
  if (typeof content === 'string' && content !== '') delta.content = content;
  if (part.done === true) {
    delta.finish_reason = toFinishReason(part.done_reason);
    const usage = toUsage(part);
    if (usage) delta.usage = usage;
  }
  return Object.keys(delta).length > 0 ? delta : undefined;
}
