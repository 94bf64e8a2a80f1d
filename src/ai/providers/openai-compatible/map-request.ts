/**
 * Mapping between our request/result and the OpenAI chat completions wire shapes. The names are the
 * same on both sides; this file only copies what is set and checks what comes back (answers are
 * read as `unknown`: an OpenAI-compatible server is not always OpenAI).
 */

import { PASS_THROUGH_PARAMS } from '../honoured-params.js';
import type {
  ChatMessage,
  ChatRequest,
  ChatResult,
  FinishReason,
  ToolCall,
  ToolCallDelta,
  Usage,
} from '../provider.js';
import { newToolCallId, ProviderError } from '../provider.js';

/** The settings OpenAI's body carries as we have them (among them every PASS_THROUGH_PARAMS). */
const PASSED_AS_IS = [
  'temperature',
  'top_p',
  'max_tokens',
  'stop',
  'seed',
  'tools',
  'tool_choice',
  'response_format',
  ...PASS_THROUGH_PARAMS,
] as const satisfies readonly (keyof ChatRequest)[];

/**
 * A `POST /chat/completions` body, as far as we send one: our request's OpenAI settings (its
 * messages have our shape, which is OpenAI's). `stream` and `stream_options` are set by the
 * provider's `stream` only.
 */
export type OpenAIChatBody = Pick<ChatRequest, 'model' | 'messages' | (typeof PASSED_AS_IS)[number]> & {
  stream?: boolean;
  stream_options?: { include_usage: boolean };
};

/**
 * Our request as a non-streaming chat completions body; unset settings are left out. `tools`,
 * `tool_choice`, `response_format`, `user`, `reasoning_effort`, `verbosity`, `metadata`,
 * `safety_identifier`, `prompt_cache_key` and `service_tier` go through as they are, and so do messages' `name`,
 * `tool_calls` and `tool_call_id` (a `tool` message sends no `name`: OpenAI's has none).
 */
export function toOpenAIRequest(request: ChatRequest): OpenAIChatBody {
  const body: Record<string, unknown> = {
    model: request.model,
    messages: request.messages.map(toOpenAIMessage),
  };
  // A loop over the keys, not fromEntries + a filter: this runs for every gateway call.
  for (const key of PASSED_AS_IS) {
    const value = request[key];
    if (value !== undefined) body[key] = value;
  }
  return body as OpenAIChatBody;
}

function toOpenAIMessage(m: ChatMessage): ChatMessage {
  return {
    role: m.role,
    content: m.content,
    ...(m.name && m.role !== 'tool' ? { name: m.name } : {}),
    ...(m.tool_calls?.length ? { tool_calls: m.tool_calls } : {}),
    ...(m.tool_call_id !== undefined ? { tool_call_id: m.tool_call_id } : {}),
  };
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
 * A `chat.completion` as our ChatResult: the first choice's content (null → ''), its function
 * `tool_calls`, its finish reason (as the server says it), the usage, and the non-standard
 * `reasoning_content` / `reasoning` some servers add (vLLM, Ollama). Throws ProviderError
 * `bad_response` when there is no first choice with a message, or a tool call has no name.
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
  const toolCalls = fromToolCalls(message.tool_calls);
  const usage = toUsage(c?.usage);
  return {
    content,
    ...(typeof reasoning === 'string' ? { reasoning } : {}),
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    finish_reason: toFinishReason(choice?.finish_reason),
    ...(usage ? { usage } : {}),
    model: typeof c?.model === 'string' ? c.model : requestedModel,
  };
}

/**
 * A message's `tool_calls` as our ToolCalls (function calls only; other kinds, such as `custom`,
 * are not ours to pass on). Absent → `[]`. A call without an id (some small servers) gets a
 * generated `call_<hex>`. Throws ProviderError `bad_response` for a function call without a name,
 * or arguments that are not a string.
 */
function fromToolCalls(calls: unknown): ToolCall[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) throw badToolCall('tool_calls that are not a list');
  return calls
    .map(
      (call: unknown) => (typeof call === 'object' && call !== null ? call : {}) as Record<string, unknown>,
    )
    .filter((call) => call.type === undefined || call.type === 'function')
    .map((call) => {
      const f = call.function as { name?: unknown; arguments?: unknown } | undefined;
      if (typeof f?.name !== 'string') throw badToolCall('a tool call without a function name');
      const args = f.arguments ?? '';
      if (typeof args !== 'string') throw badToolCall('tool call arguments that are not a string');
      const id = typeof call.id === 'string' && call.id !== '' ? call.id : newToolCallId();
      return { id, type: 'function', function: { name: f.name, arguments: args } };
    });
}

function badToolCall(what: string): ProviderError {
  return new ProviderError(`OpenAI-compatible server answered ${what}`, 'bad_response', 'openai');
}

/** What one stream chunk carries: content text, tool call pieces, a finish reason, usage; each may be absent. */
export interface ChunkParts {
  content?: string;
  tool_calls?: ToolCallDelta[];
  finish_reason?: FinishReason;
  usage?: Usage;
}

/**
 * The parts of a `chat.completion.chunk` (a parsed stream event): the first choice's delta (content,
 * and its function `tool_calls` pieces as they come: `index`, and whichever of id, type, name and an
 * arguments fragment the piece has), `finish_reason`, `usage`. Whatever is missing or of the wrong
 * type is left out; a chunk that is not an object has no parts.
 */
export function fromChunk(chunk: unknown): ChunkParts {
  const c = chunk as { choices?: unknown; usage?: unknown } | null | undefined;
  const choice = Array.isArray(c?.choices)
    ? (c.choices[0] as {
        delta?: { content?: unknown; tool_calls?: unknown };
        finish_reason?: unknown;
      } | null)
    : undefined;
  const parts: ChunkParts = {};
  const content = choice?.delta?.content;
  if (typeof content === 'string' && content !== '') parts.content = content;
  const toolCalls = fromToolCallPieces(choice?.delta?.tool_calls);
  if (toolCalls.length > 0) parts.tool_calls = toolCalls;
  if (choice?.finish_reason) parts.finish_reason = toFinishReason(choice.finish_reason);
  const usage = toUsage(c?.usage);
  if (usage) parts.usage = usage;
  return parts;
}

/** Streamed tool call pieces, copied field by field (only those present); pieces without an index are skipped. */
function fromToolCallPieces(pieces: unknown): ToolCallDelta[] {
  if (!Array.isArray(pieces)) return [];
  const out: ToolCallDelta[] = [];
  for (const piece of pieces as unknown[]) {
    const p = (typeof piece === 'object' && piece !== null ? piece : {}) as Record<string, unknown>;
    if (typeof p.index !== 'number' || (p.type !== undefined && p.type !== 'function')) continue;
    const f = (p.function ?? {}) as { name?: unknown; arguments?: unknown };
    const fn = {
      ...(typeof f.name === 'string' ? { name: f.name } : {}),
      ...(typeof f.arguments === 'string' ? { arguments: f.arguments } : {}),
    };
    out.push({
      index: p.index,
      ...(typeof p.id === 'string' ? { id: p.id } : {}),
      ...(p.type === 'function' ? { type: 'function' as const } : {}),
      ...(Object.keys(fn).length > 0 ? { function: fn } : {}),
    });
  }
  return out;
}
