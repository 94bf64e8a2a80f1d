/**
 * A fake Ollama server on loopback, speaking the native REST API as Ollama documents it:
 * `POST /api/chat` (one JSON object with `stream:false`; NDJSON lines otherwise, the last one
 * `done:true` with `done_reason` and the counts), `POST /api/embed` (`input` a string or an array
 * of strings, `dimensions`; `{ model, embeddings, total_duration, load_duration,
 * prompt_eval_count }`, one vector per input in order, see `embeddingFor`), `GET /api/tags`, `GET /api/version`, and errors as
 * `{"error": "..."}` with their status. Controls and call recording come from behaviour.ts.
 *
 * Tools as Ollama answers them: with `toolCalls` set and `tools` in the request, `message.tool_calls`
 * holds `{ function: { name, arguments } }` with `arguments` an object and no id, `done_reason`
 * stays `stop`; streaming, each call comes whole in its own `done:false` part before the `done`
 * part. Like Ollama, it answers 400 to a `format` that is neither `"json"` nor a schema object, and
 * to message `tool_calls` whose `arguments` are not an object.
 *
 * @example
 * const fake = await startFakeOllama();
 * fake.behave({ reply: 'hi', fail: { status: 503, times: 1 } });
 * // ... point a provider at fake.url, then: expect(fake.calls[0].body).toMatchObject({ stream: false })
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

/** The version `GET /api/version` reports. */
export const FAKE_OLLAMA_VERSION = '0.12.6';

const json = (status: number, body: unknown): FakeAnswer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  parts: [JSON.stringify(body)],
});

const ollamaProtocol: FakeProtocol = {
  error: (status, message) => json(status, { error: message }),
  answer(call, b) {
    const route = `${call.method} ${call.path.split('?')[0]}`;
    if (route === 'GET /api/version') return json(200, { version: FAKE_OLLAMA_VERSION });
    if (route === 'GET /api/tags') return json(200, { models: b.models.map(tag) });
    if (route === 'POST /api/chat') return chat(call, b);
    if (route === 'POST /api/embed') return embed(call, b);
    return { status: 404, headers: { 'content-type': 'text/plain' }, parts: ['404 page not found'] };
  },
};

function chat(call: RecordedCall, b: FakeBehaviour): FakeAnswer {
  const body = call.body as { model?: unknown; stream?: unknown; think?: unknown } | undefined;
  const model = typeof body?.model === 'string' ? body.model : '';
  if (!model) return json(400, { error: 'model is required' });
  if (!b.models.includes(model)) {
    return json(404, { error: `model "${model}" not found, try pulling it first` });
  }
  const invalid = invalidRequest(body);
  if (invalid) return json(400, { error: invalid });
  const stream = body?.stream !== false; // Ollama streams unless told otherwise
  if (b.garbage) {
    return stream
      ? {
          status: 200,
          headers: { 'content-type': 'application/x-ndjson' },
          parts: ['{"model":\n', 'not json\n'],
        }
      : { ...json(200, {}), parts: ['{"model": "oops", "message": {'] };
  }
  const calls = toolCallsFor(b, body).map((c) => ({ function: { name: c.name, arguments: c.arguments } }));
  const text = calls.length === 0 || b.replyWithToolCalls ? replyFor(b, body) : '';
  const thinking = body?.think !== false ? b.thinking : undefined;
  const usage = usageFor(
    b,
    body,
    [text, ...calls.map((c) => JSON.stringify(c.function.arguments))].join(' '),
  );
  const created_at = new Date().toISOString();
  const final = {
    done: true,
    done_reason: b.finishReason,
    total_duration: 123_456_789,
    load_duration: 1_234_567,
    prompt_eval_count: usage.prompt,
    prompt_eval_duration: 12_345_678,
    eval_count: usage.completion,
    eval_duration: 98_765_432,
  };
  if (!stream) {
    const message = {
      role: 'assistant',
      content: text,
      ...(thinking ? { thinking } : {}),
      ...(calls.length > 0 ? { tool_calls: calls } : {}),
    };
    return json(200, { model, created_at, message, ...final });
  }
  const line = (message: object, rest: object = { done: false }) =>
    `${JSON.stringify({ model, created_at, message: { role: 'assistant', ...message }, ...rest })}\n`;
  const parts = [
    ...pieces(thinking ?? '').map((t) => line({ content: '', thinking: t })),
    ...pieces(text).map((t) => line({ content: t })),
    ...calls.map((call) => line({ content: '', tool_calls: [call] })),
    line({ content: '' }, final),
  ];
  return { status: 200, headers: { 'content-type': 'application/x-ndjson' }, parts, stream: true };
}

/** `/api/embed` as Ollama answers it: a batch of texts in, one vector per text out, in order. */
function embed(call: RecordedCall, b: FakeBehaviour): FakeAnswer {
  const body = call.body as { model?: unknown; input?: unknown; dimensions?: unknown } | undefined;
  const model = typeof body?.model === 'string' ? body.model : '';
  if (!model) return json(400, { error: 'model is required' });
  if (!b.models.includes(model)) {
    return json(404, { error: `model "${model}" not found, try pulling it first` });
  }
  const input = typeof body?.input === 'string' ? [body.input] : body?.input;
  if (!Array.isArray(input) || !input.every((text) => typeof text === 'string')) {
    return json(400, { error: `invalid input type` });
  }
  if (b.garbage) return { ...json(200, {}), parts: ['{"model": "oops", "embeddings": [['] };
  const dimensions =
    typeof body?.dimensions === 'number' && !b.ignoreDimensions ? body.dimensions : b.embeddingDimensions;
  const words = (input as string[]).reduce((sum, text) => sum + pieces(text).length, 0);
  return json(200, {
    model,
    embeddings: (input as string[]).map((text) => embeddingFor(text, dimensions)),
    total_duration: 14_143_917,
    load_duration: 1_019_500,
    prompt_eval_count: b.usage?.prompt ?? words,
  });
}

/** What Ollama would refuse with a 400: a bad `format`, or message tool-call arguments that are not objects. */
function invalidRequest(body: unknown): string | undefined {
  const b = body as { format?: unknown; messages?: unknown } | undefined;
  const format = b?.format;
  const schema = typeof format === 'object' && format !== null && !Array.isArray(format);
  if (format !== undefined && format !== '' && format !== 'json' && !schema) {
    return `invalid format: ${JSON.stringify(format)}; expected "json" or a JSON schema`;
  }
  const messages = Array.isArray(b?.messages) ? (b.messages as unknown[]) : [];
  for (const message of messages) {
    const calls = (message as { tool_calls?: unknown } | null)?.tool_calls;
    for (const call of Array.isArray(calls) ? (calls as unknown[]) : []) {
      const args = (call as { function?: { arguments?: unknown } } | null)?.function?.arguments;
      if (typeof args !== 'object' || args === null || Array.isArray(args)) {
        return `json: cannot unmarshal ${typeof args} into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments`;
      }
    }
  }
  return undefined;
}

function tag(name: string) {
  return {
    name,
    model: name,
    modified_at: '2025-01-01T00:00:00Z',
    size: 1_000_000_000,
    digest: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
    details: { format: 'gguf', family: 'llama', parameter_size: '1B', quantization_level: 'Q4_K_M' },
  };
}

/** Starts a fake Ollama on 127.0.0.1 at a random port; see FakeServer for the controls. */
export function startFakeOllama(): Promise<FakeServer> {
  return startFakeServer(ollamaProtocol);
}
