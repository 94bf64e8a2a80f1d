/**
 * Tool calling and structured output between our OpenAI-named shapes and Ollama's `/api/chat`:
 * `tools` and `tool_choice`, assistant `tool_calls` (Ollama's `arguments` are objects, ours JSON
 * strings; Ollama gives no call ids), `tool` messages (`tool_name`), and `response_format` → `format`.
 */
import type { Message as OllamaMessage, Tool as OllamaTool } from 'ollama';
import type { ChatMessage, ChatRequest, ResponseFormat, ToolCall, ToolCallDelta } from '../provider.js';
import { newToolCallId, ProviderError } from '../provider.js';

/** A request Ollama cannot carry out as asked: `http` 400, not retryable (another try cannot help). */
function unsupported(message: string): ProviderError {
  return new ProviderError(message, 'http', 'ollama', 400);
}

/**
 * The `tools` to send, or undefined when none are. `tool_choice` `auto` (or unset) sends them as they
 * are; `none` leaves them out, so the model cannot call any. Ollama cannot force a call, so
 * `required` and a named function throw ProviderError `http` 400 naming `tool_choice`.
 */
export function toOllamaTools(request: ChatRequest): OllamaTool[] | undefined {
  const choice = request.tool_choice;
  if (choice !== undefined && choice !== 'auto' && choice !== 'none') {
    const asked = typeof choice === 'string' ? `"${choice}"` : `function "${choice.function.name}"`;
    throw unsupported(
      `Ollama cannot honour tool_choice ${asked}: it only lets the model choose ("auto") or offers no tools ("none")`,
    );
  }
  if (choice === 'none' || !request.tools?.length) return undefined;
  return request.tools.map(({ type, function: f }) => ({
    type,
    function: {
      name: f.name,
      ...(f.description !== undefined ? { description: f.description } : {}),
      ...(f.parameters !== undefined
        ? { parameters: f.parameters as NonNullable<OllamaTool['function']['parameters']> }
        : {}),
    },
  }));
}

/**
 * `response_format` as Ollama's `format`: `json_object` → `'json'`, `json_schema` → its schema object
 * (`'json'` when it has none), `text` or unset → undefined (send nothing).
 */
export function toOllamaFormat(
  format: ResponseFormat | undefined,
): string | Record<string, unknown> | undefined {
  if (format?.type === 'json_object') return 'json';
  if (format?.type === 'json_schema') return format.json_schema.schema ?? 'json';
  return undefined;
}

/**
 * Our messages as Ollama's: `developer` becomes `system`; an assistant's `tool_calls` are sent with
 * their arguments parsed into objects; a `tool` message carries `tool_name`, its `name` or else the
 * name of the call its `tool_call_id` answers. Other `name`s are not sent (Ollama has none).
 * Throws ProviderError `http` 400 when a call's arguments are not a JSON object.
 */
export function toOllamaMessages(messages: ChatMessage[]): OllamaMessage[] {
  const callNames = new Map<string, string>();
  return messages.map((m, i) => {
    const out: OllamaMessage = { role: m.role === 'developer' ? 'system' : m.role, content: m.content };
    if (m.tool_calls?.length) {
      out.tool_calls = m.tool_calls.map((call, j) => {
        callNames.set(call.id, call.function.name);
        const where = `messages[${i}].tool_calls[${j}].function.arguments`;
        return {
          function: { name: call.function.name, arguments: parseArguments(call.function.arguments, where) },
        };
      });
    }
    if (m.role === 'tool') {
      const toolName = m.name ?? (m.tool_call_id !== undefined ? callNames.get(m.tool_call_id) : undefined);
      if (toolName !== undefined) out.tool_name = toolName;
    }
    return out;
  });
}

/** A call's JSON-string arguments as the object Ollama expects ('' is `{}`). */
function parseArguments(text: string, where: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw unsupported(`${where} is not valid JSON; Ollama needs a JSON object`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw unsupported(`${where} is not a JSON object; Ollama needs one`);
  }
  return value as Record<string, unknown>;
}

/**
 * Ollama's `message.tool_calls` as our ToolCalls: arguments serialized to a JSON string, an id
 * generated (`call_<hex>`) unless the server sent one, `type` `function`. Absent → `[]`.
 * Throws ProviderError `bad_response` for a call without a function name.
 */
export function fromOllamaToolCalls(calls: unknown): ToolCall[] {
  if (calls === undefined || calls === null) return [];
  if (!Array.isArray(calls)) {
    throw new ProviderError('Ollama answered tool_calls that are not a list', 'bad_response', 'ollama');
  }
  return calls.map((call: unknown) => {
    const c = (typeof call === 'object' && call !== null ? call : {}) as {
      id?: unknown;
      function?: { name?: unknown; arguments?: unknown };
    };
    const name = c.function?.name;
    if (typeof name !== 'string' || name === '') {
      throw new ProviderError(
        'Ollama answered a tool call without a function name',
        'bad_response',
        'ollama',
      );
    }
    const id = typeof c.id === 'string' && c.id !== '' ? c.id : newToolCallId();
    return { id, type: 'function', function: { name, arguments: serializeArguments(c.function?.arguments) } };
  });
}

/** Arguments as a JSON string: objects serialized, a string kept as it is, none → `{}`. */
function serializeArguments(args: unknown): string {
  if (typeof args === 'string') return args;
  return args === undefined || args === null ? '{}' : JSON.stringify(args);
}

/** Whole calls as stream deltas, numbered on from `firstIndex` (each carries its full arguments). */
export function toToolCallDeltas(calls: ToolCall[], firstIndex: number): ToolCallDelta[] {
  return calls.map((call, k) => ({
    index: firstIndex + k,
    id: call.id,
    type: 'function',
    function: { name: call.function.name, arguments: call.function.arguments },
  }));
}
