/**
 * A fake OpenAI-compatible server on loopback: `POST /v1/chat/completions` (a `chat.completion`
 * object, or with `stream:true` SSE `data: {chat.completion.chunk}` lines ending in `data: [DONE]`,
 * with a usage chunk when `stream_options.include_usage` is set), `GET /v1/models`, and errors as
 * `{ error: { message, type, param, code } }`. With `apiKey` set, calls without
 * `Authorization: Bearer <apiKey>` get 401. Controls and call recording come from behaviour.ts.
 *
 * @example
 * const fake = await startFakeOpenAI({ apiKey: 'sk-test' });
 * fake.behave({ fail: { status: 429, times: 1, retryAfter: 2 } });
 * await fake.close();
 */
import {
  type FakeAnswer,
  type FakeBehaviour,
  type FakeProtocol,
  type FakeServer,
  pieces,
  type RecordedCall,
  replyFor,
  startFakeServer,
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
  const stream = body?.stream === true;
  if (b.garbage) {
    return stream
      ? { status: 200, headers: { 'content-type': 'text/event-stream' }, parts: ['data: {"id": oops\n\n'] }
      : { ...json(200, {}), parts: ['{"id": "chatcmpl-x", "choices": ['] };
  }
  const text = replyFor(b, body);
  const u = usageFor(b, body, text);
  const usage = {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
  };
  const head = { id: `chatcmpl-fake${++sequence}`, created: Math.floor(Date.now() / 1000), model };
  const reasoning = b.thinking ? { reasoning_content: b.thinking } : {};
  if (!stream) {
    const message = { role: 'assistant', content: text, refusal: null, ...reasoning };
    const choice = { index: 0, message, logprobs: null, finish_reason: b.finishReason };
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
    event([delta({}, b.finishReason)]),
    ...(withUsage ? [event([], { usage })] : []),
    'data: [DONE]\n\n',
  ];
  return { status: 200, headers: { 'content-type': 'text/event-stream' }, parts, stream: true };
}

/** Starts a fake OpenAI-compatible server on 127.0.0.1 at a random port; base URL is `${fake.url}/v1`. */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeServer> {
  return startFakeServer(protocol(options));
}
