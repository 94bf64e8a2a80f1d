import { type ParsedChatRequest, parseChatRequest } from '../chat-request.js';
import { invalidParam, OpenAIError } from '../errors.js';

/** What a Response object echoes of its request (spec `Response`: instructions, tools, …). */
export interface ResponseEcho {
  instructions: string | null;
  /** The function tools as the Responses API writes them: `{ type, name, description, parameters, strict }`. */
  tools: Record<string, unknown>[];
  tool_choice: unknown;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  metadata: Record<string, string>;
  text: { format: Record<string, unknown> };
  reasoning: { effort: string | null; summary: null } | null;
  user?: string;
}

/** A Responses request read and checked: the chat request it runs as, and what to echo back. */
export interface ParsedResponsesRequest extends ParsedChatRequest {
  echo: ResponseEcho;
}

type Body = Record<string, unknown>;

const isObject = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const absent = (value: unknown) => value === undefined || value === null;

/** Fields passed on to the chat request under the same name; the chat parser checks them. */
const SAME_NAME = [
  'model',
  'stream',
  'temperature',
  'top_p',
  'user',
  'metadata',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
] as const;

/**
 * Fields read here, each with what it may hold when it cannot be honoured otherwise. `store` is
 * accepted only as false (or left out): responses are not kept, so nothing can continue from one.
 */
const ACCEPTED_ONLY: Record<string, [allowed: (value: unknown) => boolean, message: string]> = {
  store: [
    (value) => value === false,
    'store=true is not available: chatgate does not keep responses; send store=false or omit it.',
  ],
  previous_response_id: [
    () => false,
    'previous_response_id is not available: chatgate does not keep responses; send the whole conversation in input.',
  ],
  conversation: [() => false, 'conversation is not available: chatgate does not keep conversations.'],
  prompt: [() => false, 'Stored prompts are not available through this gateway.'],
  background: [(value) => value === false, 'background=true is not available: responses are not kept.'],
  parallel_tool_calls: [(value) => value === true, 'parallel_tool_calls=false cannot be enforced.'],
  include: [(value) => Array.isArray(value) && value.length === 0, 'include is not available.'],
  truncation: [(value) => value === 'disabled', "truncation='auto' is not available; send 'disabled'."],
  top_logprobs: [(value) => value === 0, 'logprobs are not available through this gateway.'],
  max_tool_calls: [() => false, 'max_tool_calls cannot be enforced.'],
  stream_options: [(value) => isObject(value), 'stream_options must be an object.'],
};

const KNOWN = new Set<string>([
  ...SAME_NAME,
  ...Object.keys(ACCEPTED_ONLY),
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'text',
  'reasoning',
  'max_output_tokens',
]);

/** OpenAI's smallest `max_output_tokens` (spec `CreateResponse`). */
const MIN_OUTPUT_TOKENS = 16;

/** Chat parameter names (as the chat parser names them in errors) → this API's names. */
const RENAMED: [chat: RegExp, responses: string][] = [
  [/^max_tokens$/, 'max_output_tokens'],
  [/^reasoning_effort$/, 'reasoning.effort'],
  [/^verbosity$/, 'text.verbosity'],
  [/^messages/, 'input'],
  [/^response_format(\.json_schema)?/, 'text.format'],
  [/^(tools\[\d+\])\.function/, '$1'],
];

/**
 * Reads `POST /v1/responses`'s body (spec `CreateResponse`) into the chat request it runs as:
 * `input` (a string, or items: messages, `function_call`, `function_call_output`; `reasoning`
 * items are dropped, since chatgate never produced them), `instructions` as a first system
 * message, function `tools`, `tool_choice`, `text.format` as `response_format`, `text.verbosity`,
 * `max_output_tokens`, `reasoning.effort` and the sampling and bookkeeping fields the chat parser
 * checks. Refused by name: built-in tools (web search, file search, computer use, …), input that
 * is not text, `previous_response_id`, `conversation`, `store: true` (nothing is kept) and any
 * unknown field.
 * @throws OpenAIError 400 with `param` naming the field at fault in this API's terms.
 */
export function parseResponsesRequest(body: unknown): ParsedResponsesRequest {
  if (!isObject(body)) throw invalidParam('body', 'The request body must be a JSON object.', 'invalid_type');
  for (const key of Object.keys(body)) {
    if (!KNOWN.has(key)) {
      throw invalidParam(key, `Unrecognized request argument supplied: ${key}`, 'unknown_parameter');
    }
    const rule = ACCEPTED_ONLY[key];
    if (rule && !absent(body[key]) && !rule[0](body[key])) {
      throw invalidParam(key, rule[1], 'unsupported_value');
    }
  }
  const instructions = body.instructions;
  if (!absent(instructions) && typeof instructions !== 'string') {
    throw invalidParam('instructions', 'instructions must be a string.', 'invalid_type');
  }
  const maxOutput = body.max_output_tokens;
  if (!absent(maxOutput) && (!Number.isSafeInteger(maxOutput) || (maxOutput as number) < MIN_OUTPUT_TOKENS)) {
    throw invalidParam('max_output_tokens', `max_output_tokens must be an integer >= ${MIN_OUTPUT_TOKENS}.`);
  }
  const text = optionalObject(body, 'text');
  const reasoning = optionalObject(body, 'reasoning');
  if (reasoning && !absent(reasoning.summary)) {
    throw invalidParam('reasoning.summary', 'Reasoning summaries are not available through this gateway.');
  }
  const tools = parseTools(body.tools);
  const format = parseFormat(text?.format);
  const chatBody: Body = {
    ...Object.fromEntries(SAME_NAME.map((key) => [key, body[key]])),
    messages: [
      ...(typeof instructions === 'string' ? [{ role: 'system', content: instructions }] : []),
      ...parseInput(body.input),
    ],
    // The usage of a stream is always reported, in `response.completed`.
    stream_options: body.stream === true ? { include_usage: true } : undefined,
    max_tokens: maxOutput,
    reasoning_effort: reasoning?.effort,
    verbosity: text?.verbosity,
    tools: tools.length > 0 ? tools.map(({ type, ...fn }) => ({ type, function: fn })) : undefined,
    tool_choice: parseToolChoice(body.tool_choice),
    response_format: format,
  };
  const parsed = renamingParams(() => parseChatRequest(chatBody));
  return {
    ...parsed,
    echo: {
      instructions: typeof instructions === 'string' ? instructions : null,
      tools: tools.map((tool) => ({ description: null, parameters: null, strict: null, ...tool })),
      tool_choice: absent(body.tool_choice) ? 'auto' : body.tool_choice,
      temperature: parsed.options.temperature ?? null,
      top_p: parsed.options.top_p ?? null,
      max_output_tokens: parsed.options.max_tokens ?? null,
      metadata: parsed.options.metadata ?? {},
      text: { format: isObject(text?.format) ? text.format : { type: 'text' } },
      reasoning: reasoning ? { effort: parsed.options.reasoning_effort ?? null, summary: null } : null,
      ...(parsed.options.user === undefined ? {} : { user: parsed.options.user }),
    },
  };
}

/** Runs the chat parser, naming the fields of its errors as this API names them. */
function renamingParams<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof OpenAIError) || error.param === null) throw error;
    const rule = RENAMED.find(([chat]) => chat.test(error.param as string));
    if (!rule) throw error;
    const param = error.param.replace(rule[0], rule[1]);
    throw new OpenAIError(error.status, error.message, error.type, param, error.code, error.retryAfter);
  }
}

function optionalObject(body: Body, key: string): Body | undefined {
  const value = body[key];
  if (absent(value)) return undefined;
  if (!isObject(value)) throw invalidParam(key, `${key} must be an object.`, 'invalid_type');
  return value;
}

/** `input`: a string (one user message) or a list of items, as chat messages. */
function parseInput(value: unknown): Body[] {
  if (typeof value === 'string') return [{ role: 'user', content: value }];
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidParam('input', 'input must be a string or a non-empty array of items.', 'invalid_type');
  }
  const messages: Body[] = [];
  value.forEach((item, index) => {
    const at = `input[${index}]`;
    if (!isObject(item)) throw invalidParam(at, `${at} must be an object.`, 'invalid_type');
    const type = item.type ?? 'message';
    if (type === 'message') messages.push(message(item, at));
    else if (type === 'function_call') addCall(messages, item, at);
    else if (type === 'function_call_output') messages.push(callOutput(item, at));
    else if (type !== 'reasoning') {
      throw invalidParam(
        `${at}.type`,
        `Input items of type '${String(type)}' are not supported; send messages, function_call and function_call_output items.`,
        'unsupported_value',
      );
    }
  });
  return messages;
}

function message(item: Body, at: string): Body {
  const role = item.role;
  if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') {
    throw invalidParam(`${at}.role`, `${at}.role must be one of user, assistant, system, developer.`);
  }
  return { role, content: textOf(item.content, `${at}.content`) };
}

/** A string, or text parts (`input_text`, an assistant's `output_text`) joined; other parts are refused. */
function textOf(value: unknown, at: string): string {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) {
    throw invalidParam(at, `${at} must be a string or an array of content parts.`, 'invalid_type');
  }
  return value
    .map((part, index) => {
      const type = isObject(part) ? part.type : undefined;
      if (
        !isObject(part) ||
        (type !== 'input_text' && type !== 'output_text') ||
        typeof part.text !== 'string'
      ) {
        throw invalidParam(
          `${at}[${index}].type`,
          `Content parts of type '${String(type ?? 'unknown')}' are not supported; send input_text parts.`,
          'unsupported_value',
        );
      }
      return part.text;
    })
    .join('\n');
}

/** A `function_call` item: a call on the assistant message before it (one is started if needed). */
function addCall(messages: Body[], item: Body, at: string): void {
  const { call_id, name, arguments: args } = item;
  if (typeof call_id !== 'string' || typeof name !== 'string' || typeof args !== 'string') {
    throw invalidParam(at, `${at} must be { type: "function_call", call_id, name, arguments } with strings.`);
  }
  const call = { id: call_id, type: 'function', function: { name, arguments: args } };
  const last = messages.at(-1);
  if (last?.role === 'assistant') {
    last.tool_calls = [...((last.tool_calls as unknown[] | undefined) ?? []), call];
  } else {
    messages.push({ role: 'assistant', content: null, tool_calls: [call] });
  }
}

function callOutput(item: Body, at: string): Body {
  if (typeof item.call_id !== 'string' || item.call_id.length === 0) {
    throw invalidParam(`${at}.call_id`, `${at}.call_id is required.`, 'missing_required_parameter');
  }
  return { role: 'tool', tool_call_id: item.call_id, content: textOf(item.output, `${at}.output`) };
}

/** Function tools, in the Responses API's flat shape; any built-in tool is refused by name. */
function parseTools(value: unknown): Body[] {
  if (absent(value)) return [];
  if (!Array.isArray(value)) throw invalidParam('tools', 'tools must be an array.', 'invalid_type');
  return value.map((tool, index) => {
    const at = `tools[${index}]`;
    if (isObject(tool) && typeof tool.type === 'string' && tool.type !== 'function') {
      throw invalidParam(
        `${at}.type`,
        `The built-in tool '${tool.type}' is not available through this gateway; only function tools are.`,
        'unsupported_value',
      );
    }
    if (!isObject(tool) || typeof tool.name !== 'string') {
      throw invalidParam(at, `${at} must be { type: "function", name, parameters, … }.`);
    }
    if (!absent(tool.parameters) && !isObject(tool.parameters)) {
      throw invalidParam(`${at}.parameters`, 'parameters must be a JSON schema object.');
    }
    const { type, name, description, parameters, strict } = tool;
    return Object.fromEntries(
      Object.entries({ type, name, description, parameters, strict }).filter(([, v]) => !absent(v)),
    );
  });
}

/** `tool_choice` as chat completions writes it; hosted-tool and allowed-tools choices are refused. */
function parseToolChoice(value: unknown): unknown {
  if (absent(value) || value === 'auto' || value === 'none' || value === 'required')
    return value ?? undefined;
  if (isObject(value) && value.type === 'function' && typeof value.name === 'string') {
    return { type: 'function', function: { name: value.name } };
  }
  throw invalidParam(
    'tool_choice',
    'tool_choice must be auto, none, required or { type: "function", name }; other choices are not available.',
  );
}

/** `text.format` as chat completions' `response_format`. */
function parseFormat(value: unknown): Body | undefined {
  if (absent(value)) return undefined;
  if (!isObject(value)) throw invalidParam('text.format', 'text.format must be an object.', 'invalid_type');
  if (value.type !== 'json_schema') return value;
  const { type, name, description, schema, strict } = value;
  if (typeof name !== 'string' || !isObject(schema)) {
    throw invalidParam('text.format', 'text.format json_schema needs a name and a schema object.');
  }
  return { type, json_schema: { name, description, schema, strict } };
}
