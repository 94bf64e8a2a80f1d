import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateObject, generateText, isStepCount, streamText, tool } from 'ai';
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

describe('the Vercel AI SDK (ai + @ai-sdk/openai) against chatgate', () => {
  const g = useClientGateway();
  /** The provider; `urls` collects the URLs it called (which API it speaks). */
  const urls: string[] = [];
  const provider = (apiKey = API_KEY) =>
    createOpenAI({
      baseURL: g.baseURL,
      apiKey,
      fetch: (input, init) => {
        urls.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
      },
    });
  /** The weather tool, and the arguments it was called with. */
  const weather = () => {
    const calledWith: unknown[] = [];
    const get_weather = tool({
      description: 'The weather in a city',
      inputSchema: z.object({ city: z.string() }),
      execute: async (input) => {
        calledWith.push(input);
        return WEATHER_RESULT;
      },
    });
    return { tools: { get_weather }, calledWith };
  };
  /**
   * Two steps on `model`: the fake calls the weather tool, the SDK runs it, and the fake answers
   * the second step from its result (switched over in prepareStep, before that step's call).
   */
  async function toolRun(model: Parameters<typeof generateText>[0]['model']) {
    callWeather(g.fake);
    const { tools, calledWith } = weather();
    const result = await generateText({
      model,
      prompt: 'Weather in Oslo?',
      tools,
      stopWhen: isStepCount(2),
      prepareStep: ({ stepNumber }) => {
        if (stepNumber === 1) answerFromToolResult(g.fake);
        return undefined;
      },
    });
    return { result, calledWith }; // result's fields are getters: no spreading
  }

  it('plain: generateText on openai.chat gives the upstream reply and usage', async () => {
    await g.start();
    g.fake.behave({ reply: 'Paris.', usage: { prompt: 5, completion: 2 } });
    const result = await generateText({ model: provider().chat(MODEL), prompt: 'Capital of France?' });
    expect(result.text).toBe('Paris.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 5, outputTokens: 2, totalTokens: 7 });
  });

  it('streaming with usage: streamText gives the deltas and, at the end, the usage', async () => {
    await g.start();
    g.fake.behave({ reply: 'One two three', usage: { prompt: 3, completion: 3 } });
    const result = streamText({ model: provider().chat(MODEL), prompt: 'Count' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('One two three');
    expect(await result.usage).toMatchObject({ inputTokens: 3, outputTokens: 3, totalTokens: 6 });
    expect(g.chatBodies()[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('tool calling with a second step: the tool runs on the call, its result makes the answer', async () => {
    await g.start();
    const { result, calledWith } = await toolRun(provider().chat(MODEL));
    const { text, steps } = result;
    expect(calledWith).toEqual([OSLO]);
    expect(steps).toHaveLength(2);
    expect(text).toBe('It is 4 °C in Oslo.');
  });

  it('structured output: generateObject sends a json_schema and gives the parsed object', async () => {
    await g.start();
    g.fake.behave({ reply: JSON.stringify(CAPITAL) });
    const { object } = await generateObject({
      model: provider().chat(MODEL),
      schema: Capital,
      prompt: 'Capital of France',
    });
    expect(object).toEqual(CAPITAL);
    expect(g.chatBodies()[0]?.response_format).toMatchObject({ type: 'json_schema' });
  });

  it('a wrong key: APICallError with status 401', async () => {
    await g.start();
    const error = await failure(
      generateText({ model: provider('sk-wrong').chat(MODEL), prompt: 'hi', maxRetries: 0 }),
    );
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).statusCode).toBe(401);
    expect(g.chatBodies()).toHaveLength(0);
  });

  it('an unknown model: APICallError with status 404 and model_not_found in its body', async () => {
    await g.start();
    const error = await failure(
      generateText({ model: provider().chat(UNKNOWN_MODEL), prompt: 'hi', maxRetries: 0 }),
    );
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).statusCode).toBe(404);
    expect((error as APICallError).responseBody).toContain('model_not_found');
  });

  it('abort mid-stream: streamText stops, and the fake upstream sees its connection close', async () => {
    await g.start();
    g.slowStream();
    const controller = new AbortController();
    const result = streamText({
      model: provider().chat(MODEL),
      prompt: 'Count slowly',
      abortSignal: controller.signal,
    });
    let text = '';
    await (async () => {
      for await (const delta of result.textStream) {
        text += delta;
        controller.abort();
      }
    })().catch(() => undefined); // ends quietly or with an AbortError, by timing
    expectCutShort(text);
    await g.upstreamClosedEarly();
  });

  it('Responses API, the default model openai(...): plain, streamed, and a tool with its second step', async () => {
    await g.start();
    const openai = provider();
    urls.length = 0;
    g.fake.behave({ reply: 'Paris.' });
    expect((await generateText({ model: openai(MODEL), prompt: 'Capital of France?' })).text).toBe('Paris.');

    g.fake.behave({ reply: 'One two three', usage: { prompt: 3, completion: 3 } });
    const streamed = streamText({ model: openai(MODEL), prompt: 'Count' });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe('One two three');
    expect(await streamed.usage).toMatchObject({ inputTokens: 3, outputTokens: 3 });

    const { result, calledWith } = await toolRun(openai(MODEL));
    expect(calledWith).toEqual([OSLO]);
    expect(result.text).toBe('It is 4 °C in Oslo.');
    expect(urls).toHaveLength(4);
    expect(urls.every((url) => url === `${g.baseURL}/responses`)).toBe(true);
  });

  it('local responder only: generateText works; generateObject and a required tool throw the 503', async () => {
    await g.start('local-only');
    const openai = provider();
    const plain = await generateText({ model: openai.chat('chatgate/auto'), prompt: 'hello there!' });
    expect(plain.text.length).toBeGreaterThan(0);

    const object = await failure(
      generateObject({ model: openai.chat('chatgate/auto'), schema: Capital, prompt: 'x', maxRetries: 0 }),
    );
    const forced = await failure(
      generateText({
        model: openai.chat('chatgate/auto'),
        prompt: 'Weather in Oslo?',
        tools: weather().tools,
        toolChoice: 'required',
        maxRetries: 0,
      }),
    );
    const responses = await failure(
      generateObject({ model: openai('chatgate/auto'), schema: Capital, prompt: 'x', maxRetries: 0 }),
    );
    for (const error of [object, forced, responses]) {
      expect(APICallError.isInstance(error), String(error)).toBe(true);
      expect((error as APICallError).statusCode).toBe(503);
      expect((error as APICallError).responseBody).toContain('no_capable_provider');
    }
  });
});
