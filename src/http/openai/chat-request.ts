import {
  type ChatMessage,
  type ChatRequest,
  type ChatRole,
  REASONING_EFFORTS,
  type ResponseFormat,
  SERVICE_TIERS,
  type ToolChoice,
  type ToolDefinition,
  VERBOSITIES,
} from '../../ai/providers/provider.js';
import { withoutUndefined } from '../../core/without-undefined.js';
import { invalidParam, OpenAIError } from './errors.js';
import { measureJson } from './json-size.js';
import { CHAT_REQUEST_LIMITS as LIMITS } from './limits.js';

/** A chat completions request, read and checked: what the AI service needs, and how to answer. */
export interface ParsedChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  includeUsage: boolean;
  options: Omit<ChatRequest, 'model' | 'messages' | 'hint'>;
}

/** Fields we read. Anything else is refused by name, as OpenAI refuses unknown arguments. */
const KNOWN = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'user',
  'tools',
  'tool_choice',
  'response_format',
  'n',
  'logprobs',
  'parallel_tool_calls',
  'store',
  'metadata',
  'presence_penalty',
  'frequency_penalty',
  'reasoning_effort',
  'verbosity',
  'safety_identifier',
  'prompt_cache_key',
  'service_tier',
]);

/** OpenAI's limits on `metadata` (spec `Metadata`): pairs, key and value lengths in characters. */
const METADATA = { maxPairs: 16, maxKeyChars: 64, maxValueChars: 512 } as const;
/** OpenAI's limit on `safety_identifier`, characters. */
const MAX_SAFETY_IDENTIFIER_CHARS = 64;

const ROLES = new Set<ChatRole>(['system', 'developer', 'user', 'assistant', 'tool']);

type Body = Record<string, unknown>;

const isObject = (value: unknown): value is Body =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads `POST /v1/chat/completions`'s body. Accepted but not forwarded: `store: false`, `n: 1`,
 * `logprobs: false`, `parallel_tool_calls: true`, zero penalties. `reasoning_effort`, `verbosity`,
 * `metadata`, `user`, `safety_identifier`, `prompt_cache_key` and `service_tier` are checked
 * against OpenAI's types and enums and forwarded (honoured-params.ts says which provider honours
 * which); `null` is the same as leaving one out. Anything that would change the answer and cannot be honoured is refused, and so
 * is a body past CHAT_REQUEST_LIMITS (nested too deep, too many messages, tools or schema properties).
 * @throws OpenAIError 400 with `param` naming the field at fault (for nesting, the tool's
 *   `parameters` or the response format's `schema`, else the top-level field).
 */
export function parseChatRequest(body: unknown): ParsedChatRequest {
  if (!isObject(body)) throw invalidParam('body', 'The request body must be a JSON object.', 'invalid_type');
  for (const key of Object.keys(body)) {
    if (!KNOWN.has(key)) {
      throw invalidParam(key, `Unrecognized request argument supplied: ${key}`, 'unknown_parameter');
    }
  }
  refuseUnless(body, 'n', (value) => value === 1, 'Only n=1 is supported: one choice per request.');
  refuseUnless(
    body,
    'logprobs',
    (value) => value === false,
    'logprobs are not available through this gateway.',
  );
  refuseUnless(
    body,
    'parallel_tool_calls',
    (value) => value === true,
    'parallel_tool_calls=false cannot be enforced.',
  );
  refuseUnless(
    body,
    'store',
    (value) => value === false,
    'store=true is not available: completions are not stored.',
  );
  refuseUnless(
    body,
    'presence_penalty',
    (value) => value === 0,
    'presence_penalty is not supported; send 0 or omit it.',
  );
  refuseUnless(
    body,
    'frequency_penalty',
    (value) => value === 0,
    'frequency_penalty is not supported; send 0 or omit it.',
  );

  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) {
    throw invalidParam(
      'model',
      "you must provide a model parameter (or 'chatgate/auto')",
      'missing_required_parameter',
    );
  }
  const stream = optional(body, 'stream', 'boolean') ?? false;
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined && streamOptions !== null && !isObject(streamOptions)) {
    throw invalidParam('stream_options', 'stream_options must be an object.');
  }
  if (streamOptions && !stream) {
    throw invalidParam('stream_options', 'stream_options is only allowed when stream is true.');
  }
  const includeUsage = isObject(streamOptions) && streamOptions.include_usage === true;
  const maxTokens =
    optionalInteger(body, 'max_completion_tokens', 1) ?? optionalInteger(body, 'max_tokens', 1);

  const parsed: ParsedChatRequest = {
    model,
    messages: parseMessages(body.messages),
    stream,
    includeUsage,
    options: withoutUndefined({
      temperature: optionalNumber(body, 'temperature', 0, 2),
      top_p: optionalNumber(body, 'top_p', 0, 1),
      max_tokens: maxTokens,
      stop: parseStop(body.stop),
      seed: optionalInteger(body, 'seed'),
      user: optional(body, 'user', 'string'),
      reasoning_effort: optionalEnum(body, 'reasoning_effort', REASONING_EFFORTS),
      verbosity: optionalEnum(body, 'verbosity', VERBOSITIES),
      metadata: parseMetadata(body.metadata),
      safety_identifier: optionalString(body, 'safety_identifier', MAX_SAFETY_IDENTIFIER_CHARS),
      prompt_cache_key: optional(body, 'prompt_cache_key', 'string'),
      service_tier: optionalEnum(body, 'service_tier', SERVICE_TIERS),
      tools: parseTools(body.tools),
      tool_choice: parseToolChoice(body.tool_choice),
      response_format: parseResponseFormat(body.response_format),
    }),
  };
  // The fields read above are checked where they are read; this catches nesting anywhere else (in
  // `metadata`, or in keys we ignore), which no part of the request may carry either.
  for (const [key, value] of Object.entries(body)) refuseOversizedJson(value, key, 2);
  return parsed;
}

/**
 * Refuses `value`, found at `level` of the body (the body is level 1), when it nests past
 * `LIMITS.maxDepth` levels counted from the body or, with `maxProperties`, has more properties.
 */
function refuseOversizedJson(
  value: unknown,
  param: string,
  level: number,
  maxProperties = Number.POSITIVE_INFINITY,
): void {
  const allowed = LIMITS.maxDepth - (level - 1);
  const size = measureJson(value, { depth: allowed, properties: maxProperties });
  if (size.depth > allowed) {
    throw invalidParam(
      param,
      `${param} is nested too deep: at most ${LIMITS.maxDepth} levels are allowed, counted from the request body.`,
    );
  }
  if (size.properties > maxProperties) {
    throw invalidParam(param, `${param} has too many properties: at most ${maxProperties} in all.`);
  }
}

/** Refuses a list longer than `max`, with OpenAI's code for it. */
function refuseLongerThan(list: unknown[], param: string, max: number): void {
  if (list.length > max) {
    throw invalidParam(
      param,
      `${param} has ${list.length} items: at most ${max} are allowed.`,
      'array_above_max_length',
    );
  }
}

function refuseUnless(body: Body, key: string, allowed: (value: unknown) => boolean, message: string): void {
  const value = body[key];
  if (value !== undefined && value !== null && !allowed(value))
    throw invalidParam(key, message, 'unsupported_value');
}

function optional<T extends 'string' | 'boolean'>(
  body: Body,
  key: string,
  type: T,
): (T extends 'string' ? string : boolean) | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) throw invalidParam(key, `${key} must be a ${type}.`, 'invalid_type');
  return value as T extends 'string' ? string : boolean;
}

function optionalString(body: Body, key: string, maxChars: number): string | undefined {
  const value = optional(body, key, 'string');
  if (value !== undefined && value.length > maxChars) {
    throw invalidParam(key, `${key} is too long: at most ${maxChars} characters.`, 'string_above_max_length');
  }
  return value;
}

/** One of `values`, as OpenAI's enums are checked: anything else is a 400 listing them. */
function optionalEnum<T extends string>(body: Body, key: string, values: readonly T[]): T | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalidParam(key, `${key} must be one of ${values.join(', ')}.`);
  }
  return value as T;
}

/** `metadata`: up to 16 string values under keys of up to 64 characters, values up to 512. */
function parseMetadata(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value))
    throw invalidParam('metadata', 'metadata must be an object of strings.', 'invalid_type');
  const entries = Object.entries(value);
  if (entries.length > METADATA.maxPairs) {
    throw invalidParam('metadata', `metadata has ${entries.length} pairs: at most ${METADATA.maxPairs}.`);
  }
  for (const [key, item] of entries) {
    if (key.length > METADATA.maxKeyChars) {
      throw invalidParam('metadata', `metadata keys are at most ${METADATA.maxKeyChars} characters.`);
    }
    if (typeof item !== 'string' || item.length > METADATA.maxValueChars) {
      throw invalidParam(
        `metadata.${key}`,
        `metadata values are strings of at most ${METADATA.maxValueChars} characters.`,
      );
    }
  }
  return { ...(value as Record<string, string>) };
}

function optionalNumber(body: Body, key: string, min: number, max: number): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidParam(key, `${key} must be a number from ${min} to ${max}.`);
  }
  return value;
}

function optionalInteger(body: Body, key: string, min = Number.MIN_SAFE_INTEGER): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidParam(key, `${key} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}.`);
  }
  return value;
}

function parseStop(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length > 4 || !list.every((item) => typeof item === 'string')) {
    throw invalidParam('stop', 'stop must be a string or an array of up to 4 strings.');
  }
  return list;
}

function parseMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidParam('messages', 'messages must be a non-empty array.', 'invalid_type');
  }
  refuseLongerThan(value, 'messages', LIMITS.maxMessages);
  return value.map((item, index) => parseMessage(item, `messages[${index}]`));
}

function parseMessage(value: unknown, path: string): ChatMessage {
  if (!isObject(value)) throw invalidParam(path, `${path} must be an object.`, 'invalid_type');
  const role = value.role;
  if (typeof role !== 'string' || !ROLES.has(role as ChatRole)) {
    throw invalidParam(
      `${path}.role`,
      `${path}.role must be one of system, developer, user, assistant, tool.`,
    );
  }
  const message: ChatMessage = {
    role: role as ChatRole,
    content: parseContent(value.content, `${path}.content`),
  };
  if (typeof value.name === 'string') message.name = value.name;
  if (role === 'tool') {
    if (typeof value.tool_call_id !== 'string') {
      throw invalidParam(
        `${path}.tool_call_id`,
        `${path}.tool_call_id is required for tool messages.`,
        'missing_required_parameter',
      );
    }
    message.tool_call_id = value.tool_call_id;
  }
  if (role === 'assistant' && value.tool_calls !== undefined && value.tool_calls !== null) {
    if (!Array.isArray(value.tool_calls))
      throw invalidParam(`${path}.tool_calls`, 'tool_calls must be an array.');
    message.tool_calls = value.tool_calls.map((call, index) => {
      const at = `${path}.tool_calls[${index}]`;
      const fn = isObject(call) ? call.function : undefined;
      if (
        !isObject(call) ||
        typeof call.id !== 'string' ||
        !isObject(fn) ||
        typeof fn.name !== 'string' ||
        typeof fn.arguments !== 'string'
      ) {
        throw invalidParam(at, `${at} must be { id, type: "function", function: { name, arguments } }.`);
      }
      return { id: call.id, type: 'function' as const, function: { name: fn.name, arguments: fn.arguments } };
    });
  } else if (value.content === undefined || value.content === null) {
    throw invalidParam(`${path}.content`, `${path}.content is required.`, 'missing_required_parameter');
  }
  return message;
}

/** A string, or text content parts joined; other part types cannot be honoured. */
function parseContent(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (!Array.isArray(value))
    throw invalidParam(path, `${path} must be a string or an array of content parts.`, 'invalid_type');
  return value
    .map((part, index) => {
      if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') {
        const type = isObject(part) && typeof part.type === 'string' ? part.type : 'unknown';
        throw invalidParam(
          `${path}[${index}].type`,
          `Content parts of type '${type}' are not supported; send text parts.`,
          'unsupported_value',
        );
      }
      return part.text;
    })
    .join('\n');
}

function parseTools(value: unknown): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidParam('tools', 'tools must be an array.', 'invalid_type');
  refuseLongerThan(value, 'tools', LIMITS.maxTools);
  return value.map((tool, index) => {
    const fn = isObject(tool) ? tool.function : undefined;
    if (!isObject(tool) || tool.type !== 'function' || !isObject(fn) || typeof fn.name !== 'string') {
      throw invalidParam(
        `tools[${index}]`,
        `tools[${index}] must be { type: "function", function: { name, … } }.`,
      );
    }
    if (fn.parameters !== undefined && !isObject(fn.parameters)) {
      throw invalidParam(`tools[${index}].function.parameters`, 'parameters must be a JSON schema object.');
    }
    // Level 5: body → tools → tools[i] → function → parameters.
    refuseOversizedJson(fn.parameters, `tools[${index}].function.parameters`, 5, LIMITS.maxSchemaProperties);
    return {
      type: 'function' as const,
      function: withoutUndefined({
        name: fn.name,
        description: typeof fn.description === 'string' ? fn.description : undefined,
        parameters: fn.parameters as Record<string, unknown> | undefined,
        strict: typeof fn.strict === 'boolean' ? fn.strict : undefined,
      }),
    };
  });
}

function parseToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  const fn = isObject(value) ? value.function : undefined;
  if (isObject(value) && value.type === 'function' && isObject(fn) && typeof fn.name === 'string') {
    return { type: 'function', function: { name: fn.name } };
  }
  throw invalidParam(
    'tool_choice',
    'tool_choice must be auto, none, required or { type: "function", function: { name } }.',
  );
}

function parseResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value))
    throw invalidParam('response_format', 'response_format must be an object.', 'invalid_type');
  if (value.type === 'text' || value.type === 'json_object') return { type: value.type };
  const schema = value.json_schema;
  if (value.type === 'json_schema' && isObject(schema) && typeof schema.name === 'string') {
    // Level 4: body → response_format → json_schema → schema.
    refuseOversizedJson(schema.schema, 'response_format.json_schema.schema', 4, LIMITS.maxSchemaProperties);
    return {
      type: 'json_schema',
      json_schema: withoutUndefined({
        name: schema.name,
        description: typeof schema.description === 'string' ? schema.description : undefined,
        schema: isObject(schema.schema) ? schema.schema : undefined,
        strict: typeof schema.strict === 'boolean' ? schema.strict : undefined,
      }),
    };
  }
  throw new OpenAIError(
    400,
    'response_format.type must be text, json_object, or json_schema with json_schema.name.',
    'invalid_request_error',
    'response_format',
    'invalid_value',
  );
}
