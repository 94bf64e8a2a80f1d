/**
 * Mapping between our request/result and the OpenAI chat completions wire shapes. The names are the
 * same on both sides; this file only copies what is set and checks what comes back.
 */
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatRequest, ChatResult, FinishReason, Usage } from '../provider.js';
import { ProviderError } from '../provider.js';

/** Our request as a non-streaming chat completions body; unset settings are left out. */
export function toOpenAIRequest(request: ChatRequest): ChatCompletionCreateParamsNonStreaming {
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: request.model,
    messages: request.messages.map(
      (m) =>
        ({
          role: m.role,
          content: m.content,
          ...(m.name ? { name: m.name } : {}),
        }) as ChatCompletionMessageParam,
    ),
  };
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.top_p !== undefined) body.top_p = request.top_p;
  if (request.max_tokens !== undefined) body.max_tokens = request.max_tokens;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  return body;
}

/** OpenAI's `finish_reason` as ours: `function_call` → `tool_calls`; null or unknown → `stop`. */
export function toFinishReason(reason: unknown): FinishReason {
  if (reason === 'length' || reason === 'tool_calls' || reason === 'content_filter') return reason;
  return reason === 'function_call' ? 'tool_calls' : 'stop';
}

/** The `usage` object if it has numeric counts, else undefined. */
export function toUsage(usage: unknown): Usage | undefined {
  const u = usage as Partial<Usage> | null | undefined;
  if (typeof u?.prompt_tokens !== 'number' || typeof u.completion_tokens !== 'number') return undefined;
  const total = typeof u.total_tokens === 'number' ? u.total_tokens : u.prompt_tokens + u.completion_tokens;
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: total };
}

/**
 * A `chat.completion` as our ChatResult: the first choice's content (null → ''), its finish reason,
 * the usage, and the non-standard `reasoning_content` / `reasoning` some servers add (vLLM, Ollama).
 * Throws ProviderError `bad_response` when there is no first choice with a message.
 */
export function fromCompletion(completion: unknown, requestedModel: string): ChatResult {
  const c = completion as { model?: unknown; choices?: unknown; usage?: unknown } | null | undefined;
  const choice = Array.isArray(c?.choices)
    ? (c.choices[0] as { message?: Record<string, unknown>; finish_reason?: unknown } | undefined)
    : undefined;
  const message = choice?.message;
  if (typeof message !== 'object' || message === null) {
    throw new ProviderError('OpenAI-compatible server answered without a choice', 'bad_response', 'openai');
  }
  const content = typeof message.content === 'string' ? message.content : '';
  const reasoning = [message.reasoning_content, message.reasoning].find(
    (r) => typeof r === 'string' && r !== '',
  );
  const usage = toUsage(c?.usage);
  return {
    content,
    ...(typeof reasoning === 'string' ? { reasoning } : {}),
    finish_reason: toFinishReason(choice?.finish_reason),
    ...(usage ? { usage } : {}),
    model: typeof c?.model === 'string' ? c.model : requestedModel,
  };
}

/** What one stream chunk carries: content text, a finish reason, usage; each may be absent. */
export interface ChunkParts {
  content?: string;
  finish_reason?: FinishReason;
  usage?: Usage;
}

/** The parts of a `chat.completion.chunk` (the first choice's delta, `finish_reason`, `usage`). */
export function fromChunk(chunk: ChatCompletionChunk): ChunkParts {
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  const parts: ChunkParts = {};
  const content = choice?.delta?.content;
  if (typeof content === 'string' && content !== '') parts.content = content;
  if (choice?.finish_reason) parts.finish_reason = toFinishReason(choice.finish_reason);
  const usage = toUsage(chunk.usage);
  if (usage) parts.usage = usage;
  return parts;
}
