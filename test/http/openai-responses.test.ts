import OpenAI from 'openai';
import { beforeAll, expect, it } from 'vitest';
import type { ProviderKind } from '../../src/ai/providers/provider.js';
import { expectOpenAIShape, openAISchema } from '../support/openai-spec.js';
import { useOpenAIUpstreams } from '../support/openai-upstreams.js';
import { describeNeeding } from '../support/requirements.js';
import { sseEvents } from '../support/sse-events.js';
import { waitFor } from '../support/wait-for.js';

const API_KEY = 'sk-test-responses-1234';

type Event = { type: string; sequence_number: number } & Record<string, unknown>;
type ResponseBody = {
  id: string;
  status: string;
  model: string;
  output: Record<string, unknown>[];
  usage: { input_tokens: number; output_tokens: number; total_tokens: number } | null;
  error: { code: string; message: string } | null;
};

const WEATHER_TOOL = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
} as const;

/** The spec's schema of each event type sent here (each is one of `ResponseStreamEvent`'s). */
const EVENT_SCHEMAS: Record<string, string> = {
  'response.created': 'ResponseCreatedEvent',
  'response.in_progress': 'ResponseInProgressEvent',
  'response.output_item.added': 'ResponseOutputItemAddedEvent',
  'response.content_part.added': 'ResponseContentPartAddedEvent',
  'response.output_text.delta': 'ResponseTextDeltaEvent',
  'response.output_text.done': 'ResponseTextDoneEvent',
  'response.content_part.done': 'ResponseContentPartDoneEvent',
  'response.output_item.done': 'ResponseOutputItemDoneEvent',
  'response.function_call_arguments.delta': 'ResponseFunctionCallArgumentsDeltaEvent',
  'response.function_call_arguments.done': 'ResponseFunctionCallArgumentsDoneEvent',
  'response.completed': 'ResponseCompletedEvent',
  'response.incomplete': 'ResponseIncompleteEvent',
  'response.failed': 'ResponseFailedEvent',
};

/**
 * Every event valid against its type's schema (for a readable failure) and as a
 * `ResponseStreamEvent`, numbered 0, 1, 2… in order.
 */
function expectValidEvents(events: Event[]): void {
  events.forEach((event, index) => {
    expectOpenAIShape(EVENT_SCHEMAS[event.type] ?? 'ResponseStreamEvent', event);
    expectOpenAIShape('ResponseStreamEvent', event);
    expect(event.sequence_number).toBe(index);
  });
}

describeNeeding(['openai-spec'], 'OpenAI Responses API (POST /v1/responses)', () => {
  const h = useOpenAIUpstreams(API_KEY);
  // Compiling the spec's validators takes seconds of CPU on a loaded machine: not in a test's 15 s.
  beforeAll(() => {
    openAISchema('Response');
    openAISchema('ResponseStreamEvent');
    openAISchema('CreateResponse');
  }, 60_000);

  const start = (provider: ProviderKind = 'openai', ai: Record<string, unknown> = {}) =>
    h.startWith({ provider, ...ai });
  const respond = (body: Record<string, unknown>, url = '/v1/responses') => {
    expectOpenAIShape('CreateResponse', body);
    return h.complete(body, url);
  };
  const events = (body: string) => sseEvents(body) as Event[];

  it.each(['/v1/responses', '/api/v1/ai/responses'])(
    '%s answers a string input as a Response with one output_text message and the upstream usage',
    async (url) => {
      await start();
      h.openai.behave({ reply: 'Paris.', usage: { prompt: 12, completion: 3 } });
      const response = await respond(
        {
          model: 'llama3.2',
          instructions: 'Be brief.',
          input: 'Capital of France?',
          max_output_tokens: 64,
          temperature: 0.2,
          top_p: 0.9,
          metadata: { ticket: '42' },
          user: 'user-1234',
          reasoning: { effort: 'low' },
          text: { verbosity: 'low' },
          store: false,
        },
        url,
      );
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['server-timing']).toMatch(/upstream;dur=/);
      const body = response.json() as ResponseBody & Record<string, unknown>;
      expectOpenAIShape('Response', body);
      expect(body).toMatchObject({
        object: 'response',
        status: 'completed',
        model: 'llama3.2',
        instructions: 'Be brief.',
        temperature: 0.2,
        max_output_tokens: 64,
        metadata: { ticket: '42' },
        store: false,
        usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
      });
      expect(body.id).toMatch(/^resp_/);
      expect(body.output).toEqual([
        {
          id: expect.stringMatching(/^msg_/),
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Paris.', annotations: [], logprobs: [] }],
        },
      ]);
      const [sent] = h.chatBodies(h.openai);
      expect(sent).toMatchObject({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Capital of France?' },
        ],
        max_tokens: 64,
        temperature: 0.2,
        top_p: 0.9,
        metadata: { ticket: '42' },
        user: 'user-1234',
        reasoning_effort: 'low',
        verbosity: 'low',
      });
    },
  );

  it('reads input items: text parts, and a function_call with its function_call_output as a tool turn', async () => {
    await start();
    // Not checked against CreateResponse: a user message with input_text parts matches both
    // EasyInputMessage and InputMessage there, which the spec's oneOf does not allow (its own bug).
    const response = await h.complete(
      {
        model: 'llama3.2',
        tools: [WEATHER_TOOL],
        input: [
          { role: 'developer', content: 'Use tools.' },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Oslo?' }] },
          { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
          { type: 'function_call_output', call_id: 'call_1', output: '{"celsius":4}' },
        ],
      },
      '/v1/responses',
    );
    expect(response.statusCode, response.body).toBe(200);
    expectOpenAIShape('Response', response.json());
    const [sent] = h.chatBodies(h.openai);
    expect(sent?.messages).toEqual([
      { role: 'developer', content: 'Use tools.' },
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', content: '{"celsius":4}', tool_call_id: 'call_1' },
    ]);
  });

  it('answers a tool call as a function_call item (call_id, name, JSON arguments) and echoes the tools', async () => {
    await start();
    h.openai.behave({ toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const response = await respond({
      model: 'llama3.2',
      input: 'Weather in Oslo?',
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'function', name: 'get_weather' },
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as ResponseBody & { tools: unknown[] };
    expectOpenAIShape('Response', body);
    expect(body.output).toEqual([
      {
        id: expect.stringMatching(/^fc_/),
        type: 'function_call',
        status: 'completed',
        call_id: 'call_w1',
        name: 'get_weather',
        arguments: '{"city":"Oslo"}',
      },
    ]);
    expect(body.tools).toEqual([WEATHER_TOOL]);
    const [sent] = h.chatBodies(h.openai);
    expect(sent).toMatchObject({
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: WEATHER_TOOL.description,
            parameters: WEATHER_TOOL.parameters,
            strict: true,
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
  });

  it('sends text.format json_schema as response_format, and json_object too', async () => {
    await start();
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
    h.openai.behave({ reply: '{"ok":true}' });
    const strict = await respond({
      model: 'llama3.2',
      input: 'json please',
      text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } },
    });
    expect(strict.statusCode, strict.body).toBe(200);
    expectOpenAIShape('Response', strict.json());
    const loose = await respond({
      model: 'llama3.2',
      input: 'json',
      text: { format: { type: 'json_object' } },
    });
    expect(loose.statusCode, loose.body).toBe(200);
    const [first, second] = h.chatBodies(h.openai);
    expect(first?.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema, strict: true },
    });
    expect(second?.response_format).toEqual({ type: 'json_object' });
  });

  it.each<[string, ProviderKind]>([
    ['an OpenAI-compatible upstream', 'openai'],
    ['Ollama', 'ollama'],
  ])(
    'streams text from %s as the documented events in order, then response.completed with usage',
    async (_, provider) => {
      await start(provider);
      const fake = provider === 'openai' ? h.openai : h.ollama;
      fake.behave({ reply: 'One two three', usage: { prompt: 7, completion: 3 } });
      const response = await respond({ model: 'llama3.2', input: 'Count to three', stream: true });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/event-stream');
      const all = events(response.body);
      expectValidEvents(all);
      const types = all.map((event) => event.type);
      const deltas = all.filter((event) => event.type === 'response.output_text.delta');
      expect(types).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...deltas.map(() => 'response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.map((event) => event.delta).join('')).toBe('One two three');
      expect(all.find((event) => event.type === 'response.output_text.done')?.text).toBe('One two three');
      const created = all[0]?.response as ResponseBody;
      const completed = all.at(-1)?.response as ResponseBody;
      expect(created.status).toBe('in_progress');
      expect(completed.id).toBe(created.id);
      expect(completed.status).toBe('completed');
      expect(completed.usage).toMatchObject({ input_tokens: 7, output_tokens: 3, total_tokens: 10 });
      expect(completed.output).toEqual([
        all.find((event) => event.type === 'response.output_item.done')?.item,
      ]);
    },
  );

  it('streams a function call: item added, argument deltas, arguments done, item done, completed', async () => {
    await start();
    h.openai.behave({ toolCalls: [{ id: 'call_s1', name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const response = await respond({
      model: 'llama3.2',
      input: 'Weather in Oslo?',
      tools: [WEATHER_TOOL],
      stream: true,
    });
    const all = events(response.body);
    expectValidEvents(all);
    const types = all.map((event) => event.type);
    const argDeltas = all.filter((event) => event.type === 'response.function_call_arguments.delta');
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      ...argDeltas.map(() => 'response.function_call_arguments.delta'),
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(argDeltas.length).toBeGreaterThan(1);
    expect(argDeltas.map((event) => event.delta).join('')).toBe('{"city":"Oslo"}');
    const done = all.find((event) => event.type === 'response.output_item.done')?.item;
    expect(done).toMatchObject({
      type: 'function_call',
      call_id: 'call_s1',
      name: 'get_weather',
      arguments: '{"city":"Oslo"}',
      status: 'completed',
    });
    expect(((all.at(-1) as Event).response as ResponseBody).output).toEqual([done]);
  });

  it('ends a stream cut mid-way with response.failed (status failed, error), never response.completed', async () => {
    await start();
    h.openai.behave({ reply: 'a b c d e f g h', cutAfterParts: 3 });
    const response = await respond({ model: 'llama3.2', input: 'go', stream: true });
    const all = events(response.body);
    expectValidEvents(all);
    expect(all.map((event) => event.type)).not.toContain('response.completed');
    const last = all.at(-1) as Event;
    expect(last.type).toBe('response.failed');
    const failed = last.response as ResponseBody;
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('server_error');
    expect(failed.error?.message).toContain('stream_interrupted');
  });

  it('answers response.incomplete with max_output_tokens when the answer was cut by the token limit', async () => {
    await start();
    h.openai.behave({ finishReason: 'length' });
    const plain = (await respond({ model: 'llama3.2', input: 'long', max_output_tokens: 16 })).json();
    expectOpenAIShape('Response', plain);
    expect(plain).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    });
    const streamed = events((await respond({ model: 'llama3.2', input: 'long', stream: true })).body);
    expectValidEvents(streamed);
    expect(streamed.at(-1)?.type).toBe('response.incomplete');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['web search', { tools: [{ type: 'web_search' }] }, 'tools[0].type'],
    [
      'file search',
      { tools: [WEATHER_TOOL, { type: 'file_search', vector_store_ids: ['vs_1'] }] },
      'tools[1].type',
    ],
    [
      'computer use',
      {
        tools: [
          { type: 'computer_use_preview', display_width: 1, display_height: 1, environment: 'browser' },
        ],
      },
      'tools[0].type',
    ],
    ['previous_response_id', { previous_response_id: 'resp_123' }, 'previous_response_id'],
    ['store: true', { store: true }, 'store'],
    [
      'an image part',
      {
        input: [
          { role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png', detail: 'auto' }] },
        ],
      },
      'input[0].content[0].type',
    ],
    ['an item reference', { input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
    ['a hosted tool choice', { tool_choice: { type: 'web_search_preview' } }, 'tool_choice'],
    ['max_output_tokens under 16', { max_output_tokens: 8 }, 'max_output_tokens'],
    ['a bad reasoning effort', { reasoning: { effort: 'extreme' } }, 'reasoning.effort'],
    ['a bad verbosity', { text: { verbosity: 'chatty' } }, 'text.verbosity'],
    ['a temperature out of range', { temperature: 3 }, 'temperature'],
    ['an unknown field', { frobnicate: true }, 'frobnicate'],
  ])('refuses %s with a 400 naming it, in OpenAI’s error shape', async (_, extra, param) => {
    await start();
    const response = await h.complete({ model: 'llama3.2', input: 'hi', ...extra }, '/v1/responses');
    expect(response.statusCode, response.body).toBe(400);
    const body = response.json() as { error: { param: string; message: string } };
    expectOpenAIShape('ErrorResponse', body);
    expect(body.error.param).toBe(param);
    expect(h.chatBodies(h.openai)).toHaveLength(0);
  });

  it('shares the gateway’s checks: 401 without a key, 404 for an unknown model or a stored response, in OpenAI’s shape', async () => {
    await start();
    const anonymous = await h.app.inject({
      method: 'POST',
      url: '/v1/responses',
      payload: { model: 'llama3.2', input: 'hi' },
    });
    expect(anonymous.statusCode).toBe(401);
    expectOpenAIShape('ErrorResponse', anonymous.json());
    const unknown = await respond({ model: 'gpt-9', input: 'hi' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
    // Nothing is stored, so there is no response to fetch by id.
    const fetched = await h.app.inject({
      method: 'GET',
      url: '/v1/responses/resp_123',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(fetched.statusCode).toBe(404);
    expectOpenAIShape('ErrorResponse', fetched.json());
  });

  it('falls back to the local responder before the first byte and says so; refuses JSON it cannot honour with 503', async () => {
    await start();
    h.openai.behave({ fail: { status: 503 } });
    const fallback = await respond({ model: 'chatgate/auto', input: 'hello' });
    expect(fallback.statusCode, fallback.body).toBe(200);
    expect(fallback.headers['x-chatgate-fallback']).toContain('HTTP 503');
    const body = fallback.json() as ResponseBody;
    expectOpenAIShape('Response', body);
    expect(body.model).toBe('local-responder');
    const json = await respond({
      model: 'chatgate/auto',
      input: 'hello',
      text: { format: { type: 'json_object' } },
    });
    expect(json.statusCode).toBe(503);
    expect(json.json()).toMatchObject({ error: { code: 'no_capable_provider' } });
  });

  it('answers and streams from the local responder alone (local mode), in the same shapes', async () => {
    await start('openai', { mode: 'local' });
    const plain = await respond({ model: 'chatgate/auto', input: 'hello there!' });
    expect(plain.statusCode, plain.body).toBe(200);
    const body = plain.json() as ResponseBody;
    expectOpenAIShape('Response', body);
    expect(body).toMatchObject({ model: 'local-responder', status: 'completed' });
    const streamed = events((await respond({ model: 'chatgate/auto', input: 'hello!', stream: true })).body);
    expectValidEvents(streamed);
    expect(streamed.at(-1)?.type).toBe('response.completed');
    const text = streamed.find((event) => event.type === 'response.output_text.done')?.text;
    expect(String(text).length).toBeGreaterThan(0);
    expect(h.chatBodies(h.openai)).toHaveLength(0);
  });

  it('aborts the upstream request when a streaming client disconnects', async () => {
    await start();
    h.openai.behave({ reply: 'a long answer that takes its time', chunkDelayMs: 300 });
    const base = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${base}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ model: 'llama3.2', input: 'go', stream: true }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    await waitFor(
      () => h.openai.calls.find((call) => call.path === '/v1/chat/completions')?.closedEarly,
      5000,
    );
  });

  it('works through the openai SDK’s responses.create: plain, streamed, and a function tool with its second step', async () => {
    await start();
    const base = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: API_KEY, maxRetries: 0 });

    h.openai.behave({ reply: 'Paris.' });
    const plain = await client.responses.create({ model: 'llama3.2', input: 'Capital of France?' });
    expect(plain.output_text).toBe('Paris.');
    expect(plain.status).toBe('completed');

    h.openai.behave({ reply: 'One two three' });
    const stream = await client.responses.create({ model: 'llama3.2', input: 'Count', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('One two three');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');

    h.openai.behave({ toolCalls: [{ id: 'call_sdk', name: 'get_weather', arguments: { city: 'Oslo' } }] });
    const tools = [WEATHER_TOOL] as OpenAI.Responses.FunctionTool[];
    const first = await client.responses.create({ model: 'llama3.2', input: 'Weather in Oslo?', tools });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ call_id: 'call_sdk', name: 'get_weather' });
    expect(JSON.parse((call as OpenAI.Responses.ResponseFunctionToolCall).arguments)).toEqual({
      city: 'Oslo',
    });

    h.openai.behave({ toolCalls: undefined, reply: 'It is 4 °C in Oslo.' });
    const second = await client.responses.create({
      model: 'llama3.2',
      tools,
      input: [
        { role: 'user', content: 'Weather in Oslo?' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'call_sdk', output: '{"celsius":4}' },
      ],
    });
    expect(second.output_text).toBe('It is 4 °C in Oslo.');
    const sent = h.chatBodies(h.openai).at(-1) as { messages: { role: string; tool_call_id?: string }[] };
    expect(sent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(sent.messages[2]?.tool_call_id).toBe('call_sdk');

    const refused = await client.responses
      .create({ model: 'llama3.2', input: 'x', tools: [{ type: 'web_search' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ status: 400, param: 'tools[0].type' });
  });
});
