import type { AIMessage, AIMessageChunk } from '@langchain/core/messages';
import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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
  WEATHER_RESULT,
} from './support.js';

const weather = tool(async () => JSON.stringify(WEATHER_RESULT), {
  name: 'get_weather',
  description: 'The weather in a city',
  schema: z.object({ city: z.string() }),
});

describe('LangChain ChatOpenAI (@langchain/openai) against chatgate', () => {
  const g = useClientGateway();
  // maxRetries 0: a 5xx is to be seen by the test, not retried with backoff.
  const chat = (fields: { model?: string; apiKey?: string; useResponsesApi?: boolean } = {}) =>
    new ChatOpenAI({
      model: MODEL,
      apiKey: API_KEY,
      maxRetries: 0,
      ...fields,
      configuration: { baseURL: g.baseURL },
    });

  /** Streams `input` and concatenates the chunks into one message. */
  async function streamed(model: ChatOpenAI, input: string): Promise<AIMessageChunk> {
    let whole: AIMessageChunk | undefined;
    for await (const chunk of await model.stream(input)) whole = whole ? whole.concat(chunk) : chunk;
    if (!whole) throw new Error('no chunk');
    return whole;
  }

  /** Two steps: the model calls the tool, the tool runs, its result goes back; the second answer. */
  async function toolRoundTrip(model: ChatOpenAI): Promise<{ first: AIMessage; answer: AIMessage }> {
    callWeather(g.fake);
    const bound = model.bindTools([weather]);
    const question = new HumanMessage('Weather in Oslo?');
    const first = await bound.invoke([question]);
    const call = first.tool_calls?.[0];
    if (!call) throw new Error(`no tool call in ${JSON.stringify(first.content)}`);
    const result = await weather.invoke(call);
    answerFromToolResult(g.fake);
    return { first, answer: await bound.invoke([question, first, result]) };
  }

  it('plain: invoke gives the upstream reply and usage_metadata', async () => {
    await g.start();
    g.fake.behave({ reply: 'Paris.', usage: { prompt: 5, completion: 2 } });
    const message = await chat().invoke('Capital of France?');
    expect(message.content).toBe('Paris.');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 5, output_tokens: 2, total_tokens: 7 });
  });

  it('streaming with usage: the chunks add up to the reply and carry usage_metadata', async () => {
    await g.start();
    g.fake.behave({ reply: 'One two three', usage: { prompt: 3, completion: 3 } });
    const whole = await streamed(chat(), 'Count');
    expect(whole.content).toBe('One two three');
    expect(whole.usage_metadata).toMatchObject({ input_tokens: 3, output_tokens: 3, total_tokens: 6 });
    expect(g.chatBodies()[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('tool calling with a second step: bindTools, tool_calls, a ToolMessage back, the answer', async () => {
    await g.start();
    const { first, answer } = await toolRoundTrip(chat());
    expect(first.tool_calls?.[0]).toMatchObject({ id: 'call_weather_1', name: 'get_weather', args: OSLO });
    expect(answer.content).toBe('It is 4 °C in Oslo.');
    expect(g.chatBodies()[1]?.messages).toContainEqual(
      expect.objectContaining({ role: 'tool', tool_call_id: 'call_weather_1' }),
    );
  });

  it('structured output: withStructuredOutput sends a json_schema and gives the parsed object', async () => {
    await g.start();
    g.fake.behave({ reply: JSON.stringify(CAPITAL) });
    const capital = await chat()
      .withStructuredOutput(Capital, { name: 'capital' })
      .invoke('Capital of France');
    expect(capital).toEqual(CAPITAL);
    expect(g.chatBodies()[0]?.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'capital' },
    });
  });

  it('a wrong key: an error with status 401 and lc_error_code MODEL_AUTHENTICATION', async () => {
    await g.start();
    const error = await failure(chat({ apiKey: 'sk-wrong' }).invoke('hi'));
    expect(error).toMatchObject({ status: 401, lc_error_code: 'MODEL_AUTHENTICATION' });
    expect(g.chatBodies()).toHaveLength(0);
  });

  it('an unknown model: an error with status 404, code model_not_found, lc_error_code MODEL_NOT_FOUND', async () => {
    await g.start();
    const error = await failure(chat({ model: UNKNOWN_MODEL }).invoke('hi'));
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', lc_error_code: 'MODEL_NOT_FOUND' });
  });

  it('abort mid-stream: the stream stops, and the fake upstream sees its connection close', async () => {
    await g.start();
    g.slowStream();
    const controller = new AbortController();
    let text = '';
    const error = await failure(
      (async () => {
        for await (const chunk of await chat().stream('Count slowly', { signal: controller.signal })) {
          text += String(chunk.content);
          if (text) controller.abort();
        }
      })(),
    );
    expectCutShort(text);
    expect(error).toMatchObject({ name: 'AbortError' });
    await g.upstreamClosedEarly();
  });

  it('Responses API (useResponsesApi: true): plain, streamed, and a tool with its second step', async () => {
    await g.start();
    const model = chat({ useResponsesApi: true });
    g.fake.behave({ reply: 'Paris.' });
    expect((await model.invoke('Capital of France?')).text).toBe('Paris.');

    g.fake.behave({ reply: 'One two three', usage: { prompt: 3, completion: 3 } });
    const whole = await streamed(model, 'Count');
    expect(whole.text).toBe('One two three');
    expect(whole.usage_metadata).toMatchObject({ input_tokens: 3, output_tokens: 3 });

    const { first, answer } = await toolRoundTrip(model);
    expect(first.tool_calls?.[0]).toMatchObject({ id: 'call_weather_1', name: 'get_weather', args: OSLO });
    expect(answer.text).toBe('It is 4 °C in Oslo.');
  });

  it('local responder only: invoke works; withStructuredOutput and a required tool throw the 503', async () => {
    await g.start('local-only');
    const model = chat({ model: 'chatgate/auto' });
    expect((await model.invoke('hello there!')).text.length).toBeGreaterThan(0);

    const structured = await failure(model.withStructuredOutput(Capital).invoke('Capital of France'));
    const forced = await failure(model.bindTools([weather], { tool_choice: 'required' }).invoke('Weather?'));
    for (const error of [structured, forced]) {
      expect(error).toMatchObject({ status: 503, code: 'no_capable_provider' });
    }
  });
});
