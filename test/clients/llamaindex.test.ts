import type { BaseTool, ChatMessage, ToolCallLLM, ToolCallLLMMessageOptions } from '@llamaindex/core/llms';
import { OpenAI, OpenAIResponses } from '@llamaindex/openai';
import { describe, expect, it } from 'vitest';
import {
  API_KEY,
  answerFromToolResult,
  CAPITAL,
  Capital,
  callWeather,
  expectCutShort,
  failure,
  MODEL,
  OSLO,
  UNKNOWN_MODEL,
  useClientGateway,
  WEATHER_PARAMETERS,
  WEATHER_RESULT,
} from './support.js';

const weather: BaseTool = {
  metadata: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER_PARAMETERS },
  call: () => WEATHER_RESULT,
};
type Message = ChatMessage<ToolCallLLMMessageOptions>;

describe('LlamaIndex (@llamaindex/openai) against chatgate', () => {
  const g = useClientGateway();
  // maxRetries 0: a 5xx is to be seen by the test, not retried with backoff.
  const llm = (init: Partial<Pick<OpenAI, 'model' | 'apiKey' | 'additionalSessionOptions'>> = {}) =>
    new OpenAI({ model: MODEL, apiKey: API_KEY, maxRetries: 0, ...init, baseURL: g.baseURL });
  /** The Responses API class: it neither stores nor tracks previous responses unless told to. */
  const responsesLlm = (model = MODEL) =>
    new OpenAIResponses({ model, apiKey: API_KEY, maxRetries: 0, baseURL: g.baseURL });
  const user = (content: string): Message => ({ role: 'user', content });

  /**
   * Streams one user message; the deltas joined, and the last raw chunk that carried usage.
   * OpenAIResponses repeats the last text delta on every later event (`output_text.done`,
   * `response.completed`, …; its stream state never clears it), so there only the chunks of
   * `response.output_text.delta` events count.
   */
  async function streamed(model: ToolCallLLM, content: string, extra: object = {}) {
    let text = '';
    let usage: unknown;
    const stream = await model.chat({ messages: [user(content)], stream: true, ...extra });
    for await (const chunk of stream) {
      const raw = chunk.raw as { type?: string; usage?: unknown; response?: { usage?: unknown } } | null;
      if (raw?.type === undefined || raw.type === 'response.output_text.delta') text += chunk.delta;
      usage = raw?.usage ?? raw?.response?.usage ?? usage;
    }
    return { text, usage };
  }

  /** Two steps: the call from the model, the tool's result sent back, the answer. */
  async function toolRoundTrip(model: ToolCallLLM) {
    callWeather(g.fake);
    const question = user('Weather in Oslo?');
    const first = await model.chat({ messages: [question], tools: [weather] });
    const options = first.message.options ?? {};
    const call = 'toolCall' in options ? options.toolCall[0] : undefined;
    if (!call) throw new Error('no tool call');
    const input = typeof call.input === 'string' ? JSON.parse(call.input) : call.input;
    answerFromToolResult(g.fake);
    const result: Message = {
      role: 'user',
      content: JSON.stringify(await weather.call?.(input)),
      options: { toolResult: { id: call.id, result: JSON.stringify(WEATHER_RESULT), isError: false } },
    };
    const answer = await model.chat({
      messages: [question, first.message as Message, result],
      tools: [weather],
    });
    return { call: { ...call, input }, answer: String(answer.message.content) };
  }

  it('plain: chat gives the upstream reply, and the raw completion its usage', async () => {
    await g.start();
    g.fake.behave({ reply: 'Paris.', usage: { prompt: 5, completion: 2 } });
    const response = await llm().chat({ messages: [user('Capital of France?')] });
    expect(response.message.content).toBe('Paris.');
    expect(response.raw).toMatchObject({
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
  });

  it('streaming with usage (asked for with stream_options): the deltas add up, the last chunk has usage', async () => {
    await g.start();
    g.fake.behave({ reply: 'One two three', usage: { prompt: 3, completion: 3 } });
    const { text, usage } = await streamed(llm(), 'Count', {
      additionalChatOptions: { stream_options: { include_usage: true } },
    });
    expect(text).toBe('One two three');
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
  });

  it('tool calling with a second step: the toolCall comes back, its toolResult makes the answer', async () => {
    await g.start();
    const { call, answer } = await toolRoundTrip(llm());
    expect(call).toMatchObject({ id: 'call_weather_1', name: 'get_weather', input: OSLO });
    expect(answer).toBe('It is 4 °C in Oslo.');
    expect(g.chatBodies()[1]?.messages).toContainEqual(
      expect.objectContaining({ role: 'tool', tool_call_id: 'call_weather_1' }),
    );
  });

  it('structured output: responseFormat with a zod schema sends json_schema; the content parses', async () => {
    await g.start();
    g.fake.behave({ reply: JSON.stringify(CAPITAL) });
    const response = await llm().chat({ messages: [user('Capital of France')], responseFormat: Capital });
    expect(Capital.parse(JSON.parse(String(response.message.content)))).toEqual(CAPITAL);
    expect(g.chatBodies()[0]?.response_format).toMatchObject({ type: 'json_schema' });
  });

  it('a wrong key: an error with status 401', async () => {
    await g.start();
    const error = await failure(llm({ apiKey: 'sk-wrong' }).chat({ messages: [user('hi')] }));
    expect(error).toMatchObject({ status: 401 });
    expect(g.chatBodies()).toHaveLength(0);
  });

  it('an unknown model: an error with status 404 and code model_not_found', async () => {
    await g.start();
    const error = await failure(llm({ model: UNKNOWN_MODEL }).chat({ messages: [user('hi')] }));
    expect(error).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('abort mid-stream (a signal on the session’s fetch): the fake upstream sees its connection close', async () => {
    await g.start();
    g.slowStream();
    // LlamaIndex's chat takes no AbortSignal, and leaving the loop does not reach the SDK stream
    // (its event-caller wrapper drops return()): the one way to abort is the session's fetch.
    const controller = new AbortController();
    const model = llm({
      additionalSessionOptions: {
        fetch: (url, init) =>
          fetch(url, {
            ...init,
            signal: AbortSignal.any([controller.signal, ...(init?.signal ? [init.signal] : [])]),
          }),
      },
    });
    let text = '';
    // The SDK ends the iteration quietly when its request is aborted.
    for await (const chunk of await model.chat({ messages: [user('Count slowly')], stream: true })) {
      text += chunk.delta;
      controller.abort();
    }
    expectCutShort(text);
    await g.upstreamClosedEarly();
  });

  it('Responses API (OpenAIResponses): plain, streamed, and a function tool with its second step', async () => {
    await g.start();
    g.fake.behave({ reply: 'Paris.' });
    const plain = await responsesLlm().chat({ messages: [user('Capital of France?')] });
    expect(plain.message.content).toBe('Paris.');

    g.fake.behave({ reply: 'One two three', usage: { prompt: 3, completion: 3 } });
    const { text, usage } = await streamed(responsesLlm(), 'Count');
    expect(text).toBe('One two three');
    expect(usage).toMatchObject({ input_tokens: 3, output_tokens: 3 });

    const { call, answer } = await toolRoundTrip(responsesLlm());
    expect(call).toMatchObject({ id: 'call_weather_1', name: 'get_weather', input: OSLO });
    expect(answer).toBe('It is 4 °C in Oslo.');
  });

  it('local responder only: chat works; responseFormat and a required tool throw the 503', async () => {
    await g.start('local-only');
    const model = llm({ model: 'chatgate/auto' });
    const plain = await model.chat({ messages: [user('hello there!')] });
    expect(String(plain.message.content).length).toBeGreaterThan(0);

    const structured = await failure(model.chat({ messages: [user('x')], responseFormat: Capital }));
    const forced = await failure(
      model.chat({
        messages: [user('Weather in Oslo?')],
        tools: [weather],
        additionalChatOptions: { tool_choice: 'required' },
      }),
    );
    // OpenAIResponses ignores responseFormat: text.format goes in additionalChatOptions.
    const responses = await failure(
      responsesLlm('chatgate/auto').chat({
        messages: [user('x')],
        additionalChatOptions: { text: { format: { type: 'json_object' } } },
      }),
    );
    for (const error of [structured, forced, responses]) {
      expect(error).toMatchObject({ status: 503, code: 'no_capable_provider' });
    }
  });
});
