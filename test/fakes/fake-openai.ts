/**
 * A fake OpenAI-compatible server on loopback: `POST /v1/chat/completions` (a `chat.completion`
 * object, or with `stream:true` SSE `data: {chat.completion.chunk}` lines ending in `data: [DONE]`,
 * with a usage chunk when `stream_options.include_usage` is set), `POST /v1/embeddings` (texts or
 * token arrays, `dimensions`, `encoding_format` float or base64 as OpenAI encodes it: little-endian
 * float32s; see `embeddingFor` for the vectors), `GET /v1/models`, and errors as
 * `{ error: { message, type, param, code } }`. With `apiKey` set, calls without
 * `Authorization: Bearer <apiKey>` get 401. Controls and call recording come from behaviour.ts.
 *
 * Tools as OpenAI answers them: with `toolCalls` set, `tools` in the request and `tool_choice` not
 * `none`, `message.tool_calls` holds `{ id, type: 'function', function: { name, arguments } }` with
 * `arguments` a JSON string, `content` null and `finish_reason` `tool_calls`; streaming, each call
 * comes as index-numbered pieces: id, type and name with empty arguments first, then the arguments
 * in fragments. Like OpenAI, it answers 400 to a `tool` message without `tool_call_id` and to
 * message tool calls whose `arguments` are not a string.
 *
 * @example
 * const fake = await startFakeOpenAI({ apiKey: 'sk-test' });
 * fake.behave({ fail: { status: 429, times: 1, retryAfter: 2 } });
 * await fake.close();
 */
import {
  embeddingFor,
  type FakeAnswer,
  type FakeBehaviour,
  type FakeProtocol,
  type FakeServer,
  pieces,
  type RecordedCall,
  replyFor,
  startFakeServer,
  toolCallsFor,
  usageFor,
} from './behaviour.js';

export type { FakeBehaviour, FakeServer, RecordedCall } from './behaviour.js';

/** Options of the fake OpenAI server. */
export interface FakeOpenAIOptions {
  /** When set, every call must carry `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
}

const ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['rate_limit_error', 'rate_limit_exceeded'],
};

const json = (status: number, body: unknown): FakeAnswer => ({
  status,
  headers: { 'content-type': 'application/json' },
  parts: [JSON.stringify(body)],
});

/** An OpenAI-style error answer: `{ error: { message, type, param, code } }`. */
export function openAIError(status: number, message: string): FakeAnswer {
  const [type, code] = ERROR_TYPES[status] ?? ['server_error', null];
  return json(status, { error: { message, type, param: null, code } });
}

let sequence = 0;

function protocol(options: FakeOpenAIOptions): FakeProtocol {
  return {
    error: openAIError,
    answer(call, b) {
      if (options.apiKey !== undefined && call.headers.authorization !== `Bearer ${options.apiKey}`) {
        // Like some proxies, echo what was sent: the provider must keep it out of its error text.
        const sent = call.headers.authorization?.replace(/^Bearer /, '') ?? '';
        return openAIError(401, `Incorrect API key provided: ${sent}`);
      }
      const route = `${call.method} ${call.path.split('?')[0]}`;
      if (route === 'GET /v1/models') {
        const data = b.models.map((id) => ({
          id,
          object: 'model',
          created: 1_700_000_000,
          owned_by: 'fake',
        }));
        return json(200, { object: 'list', data });
      }
      if (route === 'POST /v1/chat/completions') return completion(call, b);
      if (route === 'POST /v1/embeddings') return embeddings(call, b);
      return openAIError(404, `Unknown request URL: ${call.method} ${call.path}`);
    },
  };
}

function completion(call: RecordedCall, b: FakeBehaviour): FakeAnswer {
  const body = call.body as
    | { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } }
    | undefined;
  const model = typeof body?.model === 'string' ? body.model : '';
  if (!model) return openAIError(400, 'you must provide a model parameter');
  if (!b.models.includes(model)) {
    return openAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`);
  }
  const invalid = invalidMessages(body);
  if (invalid) return openAIError(400, invalid);
  const stream = body?.stream === true;
  if (b.garbage) {
    return stream
      ? { status: 200, headers: { 'content-type': 'text/event-stream' }, parts: ['data: {"id": oops\n\n'] }
      : { ...json(200, {}), parts: ['{"id": "chatcmpl-x", "choices": ['] };
  }
  const head = { id: `chatcmpl-fake${++sequence}`, created: Math.floor(Date.now() / 1000), model };
  const calls = toolCallsFor(b, body).map((c, i) => ({
    id: c.id ?? `call_fake${sequence}_${i}`,
    type: 'function',
    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
  }));
  const text = calls.length === 0 || b.replyWithToolCalls ? replyFor(b, body) : '';
  const finishReason = calls.length > 0 ? 'tool_calls' : b.finishReason;
  const u = usageFor(b, body, [text, ...calls.map((c) => c.function.arguments)].join(' '));
  const usage = {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
  };
  const reasoning = b.thinking ? { reasoning_content: b.thinking } : {};
  if (!stream) {
    const message = {
      role: 'assistant',
      content: calls.length > 0 && text === '' ? null : text,
      refusal: null,
      ...reasoning,
      ...(calls.length > 0 ? { tool_calls: calls } : {}),
    };
    const choice = { index: 0, message, logprobs: null, finish_reason: finishReason };
    return json(200, {
      ...head,
      object: 'chat.completion',
      choices: [choice],
      usage,
      system_fingerprint: 'fp_fake',
    });
  }
  const withUsage = body?.stream_options?.include_usage === true;
  const event = (choices: object[], extra: object = withUsage ? { usage: null } : {}) =>
    `data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
  const delta = (d: object, finish_reason: string | null = null) => ({ index: 0, delta: d, finish_reason });
  const parts = [
    event([delta({ role: 'assistant', content: '' })]),
    ...pieces(b.thinking ?? '').map((t) => event([delta({ reasoning_content: t })])),
    ...pieces(text).map((t) => event([delta({ content: t })])),
    ...calls.flatMap((call, index) => [
      event([
        delta({
          tool_calls: [
            { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
          ],
        }),
      ]),
      ...fragments(call.function.arguments).map((a) =>
        event([delta({ tool_calls: [{ index, function: { arguments: a } }] })]),
      ),
    ]),
    event([delta({}, finishReason)]),
    ...(withUsage ? [event([], { usage })] : []),
    'data: [DONE]\n\n',
  ];
  return { status: 200, headers: { 'content-type': 'text/event-stream' }, parts, stream: true };
}

/** `/v1/embeddings` as OpenAI answers it, with its 400s for an empty or oversized `input`. */
function embeddings(call: RecordedCall, b: FakeBehaviour): FakeAnswer {
  const body = call.body as
    | { model?: unknown; input?: unknown; dimensions?: unknown; encoding_format?: unknown }
    | undefined;
  const model = typeof body?.model === 'string' ? body.model : '';
  if (!model) return openAIError(400, 'you must provide a model parameter');
  if (!b.models.includes(model)) {
    return openAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`);
  }
  const raw = body?.input;
  const isTokens = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length > 0 && v.every((n) => Number.isInteger(n));
  // A string, an array of strings, one token array, or an array of token arrays (spec oneOf).
  const inputs: (string | number[])[] | undefined =
    typeof raw === 'string'
      ? [raw]
      : isTokens(raw)
        ? [raw]
        : Array.isArray(raw) && raw.every((v) => typeof v === 'string' || isTokens(v))
          ? (raw as (string | number[])[])
          : undefined;
  if (!inputs || inputs.length === 0 || inputs.length > 2048 || inputs.some((v) => v.length === 0)) {
    return openAIError(400, "'$.input' is invalid. Please check the API reference.");
  }
  if (b.garbage) return { ...json(200, {}), parts: ['{"object": "list", "data": [{'] };
  const dimensions =
    typeof body?.dimensions === 'number' && !b.ignoreDimensions ? body.dimensions : b.embeddingDimensions;
  const base64 = body?.encoding_format === 'base64';
  const data = inputs.map((input, index) => {
    const vector = embeddingFor(typeof input === 'string' ? input : input.join(','), dimensions);
    const embedding = base64
      ? Buffer.from(new Float32Array(vector).buffer).toString('base64') // little-endian hosts only
      : vector;
    return { object: 'embedding', index, embedding };
  });
  const tokens = inputs.reduce((sum, v) => sum + (typeof v === 'string' ? pieces(v).length : v.length), 0);
  const prompt = b.usage?.prompt ?? tokens;
  return json(200, { object: 'list', data, model, usage: { prompt_tokens: prompt, total_tokens: prompt } });
}

/** Splits a JSON text into about three fragments, so that no fragment is valid JSON on its own. */
function fragments(text: string): string[] {
  const size = Math.max(1, Math.ceil(text.length / 3));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** What OpenAI refuses with a 400: a `tool` message without `tool_call_id`, or non-string call arguments. */
function invalidMessages(body: unknown): string | undefined {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  for (const [i, message] of (Array.isArray(messages) ? (messages as unknown[]) : []).entries()) {
    const m = (message ?? {}) as { role?: unknown; tool_call_id?: unknown; tool_calls?: unknown };
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') {
      return `Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'. (messages[${i}])`;
    }
    for (const call of Array.isArray(m.tool_calls) ? (m.tool_calls as unknown[]) : []) {
      const args = (call as { function?: { arguments?: unknown } } | null)?.function?.arguments;
      if (typeof args !== 'string') {
        return `Invalid type for 'messages[${i}].tool_calls[].function.arguments': expected a string.`;
      }
    }
  }
  return undefined;
}

/** Starts a fake OpenAI-compatible server on 127.0.0.1 at a random port; base URL is `${fake.url}/v1`. */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeServer> {
  return startFakeServer(protocol(options));
}
