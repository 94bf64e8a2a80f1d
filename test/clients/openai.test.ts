import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { describe, expect, it } from 'vitest';
import {
  API_KEY,
  answerFromToolResult,
  CAPITAL,
  Capital,
  callWeather,
  expectCutShort,
  MODEL,
  OSLO,
  UNKNOWN_MODEL,
  useClientGateway,
  WEATHER_PARAMETERS,
  WEATHER_RESULT,
} from './support.js';

const TOOLS: OpenAI.Chat.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: WEATHER_PARAMETERS } },
];

describe('the official openai SDK against chatgate', () => {
  const g = useClientGateway();
  // maxRetries 0: a 503 is to be seen by the test, not retried after its retry-after.
  const client = (apiKey = API_KEY) => new OpenAI({ baseURL: g.baseURL, apiKey, maxRetries: 0 });

  it('plain: the upstream reply, usage and finish_reason', async () => {
    await g.start();
    g.fake.behave({ reply: 'Paris.', usage: { prompt: 5, completion: 2 } });
    const completion = await client().chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Capital of France?' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Paris.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it('streaming with usage: the deltas add up to the reply, the last chunk carries usage', async () => {
    await g.start();
    g.fake.behave({ reply: 'One two three', usage: { prompt: 3, completion: 3 } });
    const stream = await client().chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('One two three');
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
  });

  it('tool calling with a second step: the call comes back, its result reaches the upstream', async () => {
    await g.start();
    callWeather(g.fake);
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Oslo?' },
    ];
    const first = await client().chat.completions.create({ model: MODEL, messages, tools: TOOLS });
    const message = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const call = message?.tool_calls?.[0];
    expect(call).toMatchObject({ id: 'call_weather_1', type: 'function', function: { name: 'get_weather' } });
    expect(
      JSON.parse((call as OpenAI.Chat.ChatCompletionMessageFunctionToolCall).function.arguments),
    ).toEqual(OSLO);

    answerFromToolResult(g.fake);
    messages.push(message as OpenAI.Chat.ChatCompletionMessage, {
      role: 'tool',
      tool_call_id: 'call_weather_1',
      content: JSON.stringify(WEATHER_RESULT),
    });
    const second = await client().chat.completions.create({ model: MODEL, messages, tools: TOOLS });
    expect(second.choices[0]?.message.content).toBe('It is 4 °C in Oslo.');
  });

  it('structured output: chat.completions.parse with a zod schema sends json_schema and parses the answer', async () => {
    await g.start();
    g.fake.behave({ reply: JSON.stringify(CAPITAL) });
    const completion = await client().chat.completions.parse({
      model: MODEL,
      messages: [{ role: 'user', content: 'Capital of France, as JSON' }],
      response_format: zodResponseFormat(Capital, 'capital'),
    });
    expect(completion.choices[0]?.message.parsed).toEqual(CAPITAL);
    expect(g.chatBodies()[0]?.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'capital' },
    });
  });

  it('a wrong key: AuthenticationError (401), the upstream never asked', async () => {
    await g.start();
    const error = await client('sk-wrong')
      .chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect(g.chatBodies()).toHaveLength(0);
  });

  it('an unknown model: NotFoundError with code model_not_found', async () => {
    await g.start();
    const error = await client()
      .chat.completions.create({ model: UNKNOWN_MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('abort mid-stream: the SDK stops, and the fake upstream sees its connection close', async () => {
    await g.start();
    g.slowStream();
    const controller = new AbortController();
    const stream = await client().chat.completions.create(
      { model: MODEL, messages: [{ role: 'user', content: 'Count slowly' }], stream: true },
      { signal: controller.signal },
    );
    let text = '';
    // The SDK ends the iteration quietly on an abort (or throws APIUserAbortError, by timing).
    await (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (text) controller.abort();
      }
    })().catch((e: unknown) => expect(e).toBeInstanceOf(OpenAI.APIUserAbortError));
    expectCutShort(text);
    await g.upstreamClosedEarly();
  });

  it('Responses API through responses.create: plain, streamed, and a function tool with its second step', async () => {
    await g.start();
    g.fake.behave({ reply: 'Paris.' });
    const plain = await client().responses.create({ model: MODEL, input: 'Capital of France?' });
    expect(plain.output_text).toBe('Paris.');
    expect(plain.status).toBe('completed');

    g.fake.behave({ reply: 'One two three' });
    const stream = await client().responses.create({ model: MODEL, input: 'Count', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe('One two three');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');

    callWeather(g.fake);
    const tools: OpenAI.Responses.FunctionTool[] = [
      { type: 'function', name: 'get_weather', parameters: WEATHER_PARAMETERS, strict: true },
    ];
    const first = await client().responses.create({ model: MODEL, input: 'Weather in Oslo?', tools });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ call_id: 'call_weather_1', name: 'get_weather' });

    answerFromToolResult(g.fake);
    const second = await client().responses.create({
      model: MODEL,
      tools,
      input: [
        { role: 'user', content: 'Weather in Oslo?' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'call_weather_1', output: JSON.stringify(WEATHER_RESULT) },
      ],
    });
    expect(second.output_text).toBe('It is 4 °C in Oslo.');
  });

  it('local responder only: plain text works; structured output and a required tool are a 503 the SDK throws', async () => {
    await g.start('local-only');
    const plain = await client().chat.completions.create({
      model: 'chatgate/auto',
      messages: [{ role: 'user', content: 'hello there!' }],
    });
    expect(plain.model).toBe('local-responder');
    expect(plain.choices[0]?.message.content?.length).toBeGreaterThan(0);

    for (const extra of [
      { response_format: zodResponseFormat(Capital, 'capital') },
      { tools: TOOLS, tool_choice: 'required' as const },
    ]) {
      const error = await client()
        .chat.completions.create({
          model: 'chatgate/auto',
          messages: [{ role: 'user', content: 'Capital of France?' }],
          ...extra,
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect(error).toMatchObject({ status: 503, code: 'no_capable_provider' });
    }
    const responses = await client()
      .responses.create({
        model: 'chatgate/auto',
        input: 'Capital of France?',
        text: { format: { type: 'json_object' } },
      })
      .catch((e: unknown) => e);
    expect(responses).toMatchObject({ status: 503, code: 'no_capable_provider' });
  });
});
