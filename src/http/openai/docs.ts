/**
 * The OpenAI-compatible routes in the API description: hand-written TypeBox shapes of the fields
 * chatgate reads and returns (a subset of OpenAI's own description,
 * https://github.com/openai/openai-openapi), and the route schemas built from them. The routes
 * read their bodies themselves (chat-request.ts, responses/request.ts, embedding-request.ts), so the
 * bodies are `documentedBody`: fastify does not validate against them.
 */
import Type, { type TSchema } from 'typebox';
import { REASONING_EFFORTS, SERVICE_TIERS, VERBOSITIES } from '../../ai/providers/provider.js';
import { openAIErrors } from '../openapi/shapes.js';
import { CHAT_REQUEST_LIMITS } from './limits.js';

const orNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const TAGS = ['OpenAI-compatible'];

/** Token counts; an upstream's own details (cached tokens, …) may come along. */
const Usage = Type.Object(
  { prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_tokens: Type.Integer() },
  { additionalProperties: true },
);

const ToolCall = Type.Object({
  id: Type.String(),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String(), arguments: Type.String({ description: 'JSON text.' }) }),
});

const FunctionTool = Type.Object({
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String(),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
    strict: Type.Optional(orNull(Type.Boolean())),
  }),
});

const ContentPart = Type.Object(
  { type: Type.Literal('text'), text: Type.String() },
  { description: 'Text parts only: chatgate takes no images, audio or files.' },
);

const Message = Type.Object({
  role: Type.Enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: orNull(Type.Union([Type.String(), Type.Array(ContentPart)])),
  name: Type.Optional(Type.String()),
  tool_calls: Type.Optional(Type.Array(ToolCall)),
  tool_call_id: Type.Optional(Type.String()),
});

/** `POST /v1/chat/completions`'s body (OpenAI's CreateChatCompletionRequest, the fields chatgate takes). */
export const ChatCompletionRequest = Type.Object(
  {
    model: Type.String({
      minLength: 1,
      description: 'A model of the community’s providers, `<provider>/<model>` to pin one, or `auto`.',
    }),
    messages: Type.Array(Message, { minItems: 1, maxItems: CHAT_REQUEST_LIMITS.maxMessages }),
    stream: Type.Optional(orNull(Type.Boolean())),
    stream_options: Type.Optional(
      orNull(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true })),
    ),
    temperature: Type.Optional(orNull(Type.Number({ minimum: 0, maximum: 2 }))),
    top_p: Type.Optional(orNull(Type.Number({ minimum: 0, maximum: 1 }))),
    max_tokens: Type.Optional(orNull(Type.Integer({ minimum: 1 }))),
    max_completion_tokens: Type.Optional(orNull(Type.Integer({ minimum: 1 }))),
    stop: Type.Optional(orNull(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 })]))),
    seed: Type.Optional(orNull(Type.Integer())),
    user: Type.Optional(orNull(Type.String())),
    tools: Type.Optional(orNull(Type.Array(FunctionTool))),
    tool_choice: Type.Optional(
      orNull(
        Type.Union([
          Type.Enum(['none', 'auto', 'required']),
          Type.Object({}, { additionalProperties: true }),
        ]),
      ),
    ),
    response_format: Type.Optional(
      orNull(Type.Object({ type: Type.String() }, { additionalProperties: true })),
    ),
    n: Type.Optional(orNull(Type.Literal(1))),
    logprobs: Type.Optional(orNull(Type.Literal(false))),
    parallel_tool_calls: Type.Optional(orNull(Type.Literal(true))),
    store: Type.Optional(orNull(Type.Literal(false))),
    metadata: Type.Optional(orNull(Type.Record(Type.String(), Type.String()))),
    presence_penalty: Type.Optional(orNull(Type.Literal(0))),
    frequency_penalty: Type.Optional(orNull(Type.Literal(0))),
    reasoning_effort: Type.Optional(orNull(Type.Enum(REASONING_EFFORTS))),
    verbosity: Type.Optional(orNull(Type.Enum(VERBOSITIES))),
    safety_identifier: Type.Optional(orNull(Type.String({ maxLength: 64 }))),
    prompt_cache_key: Type.Optional(orNull(Type.String())),
    service_tier: Type.Optional(orNull(Type.Enum(SERVICE_TIERS))),
  },
  {
    title: 'ChatCompletionRequest',
    additionalProperties: false,
    description:
      'Unknown fields, and values that would change the answer but cannot be honoured, are refused by name (400). Fields a provider ignores are listed in `x-chatgate-ignored-params`.',
  },
);

/** A `chat.completion` (completion.ts `completionBody`). */
export const ChatCompletion = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('chat.completion'),
    created: Type.Integer({ description: 'Seconds since the epoch.' }),
    model: Type.String(),
    choices: Type.Array(
      Type.Object({
        index: Type.Integer(),
        message: Type.Object({
          role: Type.Literal('assistant'),
          content: orNull(Type.String()),
          refusal: Type.Null(),
          tool_calls: Type.Optional(Type.Array(ToolCall)),
        }),
        logprobs: Type.Null(),
        finish_reason: Type.Enum(['stop', 'length', 'tool_calls', 'content_filter']),
      }),
    ),
    usage: Usage,
  },
  { title: 'ChatCompletion', description: 'The answer.' },
);

/** `POST /v1/responses`'s body (OpenAI's CreateResponse, the fields chatgate takes). */
export const ResponsesRequest = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    input: Type.Union([Type.String(), Type.Array(Type.Object({}, { additionalProperties: true }))], {
      description: 'Text, or items: messages, `function_call`, `function_call_output`.',
    }),
    instructions: Type.Optional(orNull(Type.String())),
    stream: Type.Optional(orNull(Type.Boolean())),
    stream_options: Type.Optional(orNull(Type.Object({}, { additionalProperties: true }))),
    tools: Type.Optional(
      orNull(Type.Array(Type.Object({ type: Type.Literal('function') }, { additionalProperties: true }))),
    ),
    tool_choice: Type.Optional(
      orNull(Type.Union([Type.String(), Type.Object({}, { additionalProperties: true })])),
    ),
    text: Type.Optional(orNull(Type.Object({}, { additionalProperties: true }))),
    reasoning: Type.Optional(orNull(Type.Object({}, { additionalProperties: true }))),
    max_output_tokens: Type.Optional(orNull(Type.Integer({ minimum: 16 }))),
    temperature: Type.Optional(orNull(Type.Number({ minimum: 0, maximum: 2 }))),
    top_p: Type.Optional(orNull(Type.Number({ minimum: 0, maximum: 1 }))),
    user: Type.Optional(orNull(Type.String())),
    metadata: Type.Optional(orNull(Type.Record(Type.String(), Type.String()))),
    safety_identifier: Type.Optional(orNull(Type.String())),
    prompt_cache_key: Type.Optional(orNull(Type.String())),
    service_tier: Type.Optional(orNull(Type.Enum(SERVICE_TIERS))),
    store: Type.Optional(orNull(Type.Literal(false))),
    background: Type.Optional(orNull(Type.Literal(false))),
    parallel_tool_calls: Type.Optional(orNull(Type.Literal(true))),
    include: Type.Optional(orNull(Type.Array(Type.String(), { maxItems: 0 }))),
    truncation: Type.Optional(orNull(Type.Literal('disabled'))),
    top_logprobs: Type.Optional(orNull(Type.Literal(0))),
  },
  {
    title: 'ResponsesRequest',
    additionalProperties: false,
    description:
      'Nothing is stored: `previous_response_id`, `conversation`, `prompt` and `store: true` are refused by name.',
  },
);

/** A Response object (responses/response.ts `responseObject`). */
export const ResponseObject = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('response'),
    created_at: Type.Integer(),
    status: Type.Enum(['in_progress', 'completed', 'incomplete', 'failed']),
    completed_at: orNull(Type.Integer()),
    error: orNull(Type.Object({ code: Type.String(), message: Type.String() })),
    incomplete_details: orNull(Type.Object({ reason: Type.String() })),
    model: Type.String(),
    output: Type.Array(
      Type.Object(
        { id: Type.String(), type: Type.Enum(['message', 'function_call']) },
        { additionalProperties: true },
      ),
    ),
    parallel_tool_calls: Type.Boolean(),
    previous_response_id: Type.Null(),
    store: Type.Literal(false),
    truncation: Type.Literal('disabled'),
    instructions: orNull(Type.String()),
    tools: Type.Array(Type.Object({}, { additionalProperties: true })),
    tool_choice: Type.Unknown(),
    temperature: orNull(Type.Number()),
    top_p: orNull(Type.Number()),
    max_output_tokens: orNull(Type.Integer()),
    metadata: Type.Record(Type.String(), Type.String()),
    text: Type.Object(
      { format: Type.Object({}, { additionalProperties: true }) },
      { additionalProperties: true },
    ),
    reasoning: orNull(Type.Object({ effort: orNull(Type.String()), summary: Type.Null() })),
    user: Type.Optional(Type.String()),
    usage: Type.Optional(
      Type.Object({
        input_tokens: Type.Integer(),
        input_tokens_details: Type.Object({
          cached_tokens: Type.Integer(),
          cache_write_tokens: Type.Integer(),
        }),
        output_tokens: Type.Integer(),
        output_tokens_details: Type.Object({ reasoning_tokens: Type.Integer() }),
        total_tokens: Type.Integer(),
      }),
    ),
  },
  { title: 'Response', description: 'The answer.' },
);

/** `POST /v1/embeddings`'s body (OpenAI's CreateEmbeddingRequest). */
export const EmbeddingRequest = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    input: Type.Union(
      [
        Type.String({ minLength: 1 }),
        Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 2048 }),
        Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }),
        Type.Array(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }), {
          minItems: 1,
          maxItems: 2048,
        }),
      ],
      { description: 'Text, texts, token ids, or lists of token ids.' },
    ),
    encoding_format: Type.Optional(orNull(Type.Enum(['float', 'base64']))),
    dimensions: Type.Optional(orNull(Type.Integer({ minimum: 1 }))),
    user: Type.Optional(orNull(Type.String())),
  },
  { title: 'EmbeddingRequest', additionalProperties: false },
);

const EmbeddingList = Type.Object(
  {
    object: Type.Literal('list'),
    data: Type.Array(
      Type.Object({
        object: Type.Literal('embedding'),
        index: Type.Integer(),
        embedding: Type.Union([Type.Array(Type.Number()), Type.String({ description: 'base64 float32s' })]),
      }),
    ),
    model: Type.String(),
    usage: Type.Object(
      { prompt_tokens: Type.Integer(), total_tokens: Type.Integer() },
      { additionalProperties: true },
    ),
  },
  { title: 'EmbeddingList', description: 'One vector per input, in order.' },
);

const ModelList = Type.Object(
  {
    object: Type.Literal('list'),
    data: Type.Array(
      Type.Object({
        id: Type.String(),
        object: Type.Literal('model'),
        created: Type.Integer(),
        owned_by: Type.String(),
      }),
    ),
  },
  { title: 'ModelList', description: 'The models the community’s providers serve.' },
);

/** A 200 that is JSON, or server-sent events when the body asks `stream: true`. */
const jsonOrStream = (json: TSchema, events: string) => ({
  description: `The answer; with \`stream: true\`, server-sent events (${events}).`,
  content: {
    'application/json': { schema: json },
    'text/event-stream': { schema: Type.String({ description: events }) },
  },
});

const ERRORS = openAIErrors(400, 401, 403, 404, 429, 503);

/** Route schemas of the OpenAI-compatible API, by route (the same under `/v1` and `/api/v1/ai`). */
export const OPENAI_ROUTE_SCHEMAS = {
  chat: {
    summary: 'Chat completion (OpenAI wire format, SSE streaming)',
    description:
      '`X-Community-Id` picks the community whose provider chain answers. `x-chatgate-provider`, `x-chatgate-mode` and `x-chatgate-fallback` say who answered.',
    tags: TAGS,
    documentedBody: ChatCompletionRequest,
    response: {
      200: jsonOrStream(
        ChatCompletion,
        '`chat.completion.chunk` objects as `data:` lines, then `data: [DONE]`',
      ),
      ...ERRORS,
    },
  },
  responses: {
    summary: 'Response (OpenAI Responses API, SSE streaming)',
    tags: TAGS,
    documentedBody: ResponsesRequest,
    response: {
      200: jsonOrStream(
        ResponseObject,
        'typed events: `response.created`, `response.output_text.delta`, …, `response.completed`',
      ),
      ...ERRORS,
    },
  },
  embeddings: {
    summary: 'Embeddings',
    tags: TAGS,
    documentedBody: EmbeddingRequest,
    response: { 200: EmbeddingList, ...ERRORS },
  },
  models: {
    summary: 'Models of the community’s providers',
    tags: TAGS,
    response: { 200: ModelList, ...openAIErrors(400, 401, 403, 429, 503) },
  },
};
