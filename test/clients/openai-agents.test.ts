import {
  Agent,
  type AgentOutputType,
  OpenAIProvider,
  Runner,
  setTracingDisabled,
  tool,
} from '@openai/agents';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
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

describe('the OpenAI Agents SDK (@openai/agents) against chatgate', () => {
  const g = useClientGateway();
  // Traces would go to OpenAI's own servers: never from a test.
  beforeAll(() => setTracingDisabled(true));

  /**
   * A runner on chatgate: the SDK's default Responses model (`useResponses: true`) or its chat
   * completions model. maxRetries 0: a 5xx is to be seen by the test, not retried.
   */
  const runner = (options: { useResponses?: boolean; apiKey?: string } = {}) =>
    new Runner({
      tracingDisabled: true,
      modelProvider: new OpenAIProvider({
        openAIClient: new OpenAI({ baseURL: g.baseURL, apiKey: options.apiKey ?? API_KEY, maxRetries: 0 }),
        useResponses: options.useResponses ?? false,
      }),
    });

  /** The weather tool; its run switches the fake to answering from the result (the second step). */
  const weather = () => {
    const calledWith: unknown[] = [];
    const get_weather = tool({
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: async (input) => {
        calledWith.push(input);
        answerFromToolResult(g.fake);
        return JSON.stringify(WEATHER_RESULT);
      },
    });
    return { get_weather, calledWith };
  };

  const agent = <T extends AgentOutputType = 'text'>(
    extra: Partial<ConstructorParameters<typeof Agent<unknown, T>>[0]> = {},
  ) => new Agent<unknown, T>({ name: 'assistant', instructions: 'Be brief.', model: MODEL, ...extra });

  /** Runs streamed and collects the text deltas; resolves when the run completed. */
  async function streamedText(r: Runner, input: string): Promise<{ text: string; usage: unknown }> {
    const result = await r.run(agent(), input, { stream: true });
    let text = '';
    for await (const delta of result.toTextStream()) text += delta;
    await result.completed;
    return { text, usage: result.rawResponses.at(-1)?.usage };
  }

  for (const api of ['chat completions', 'Responses (the default)'] as const) {
    const useResponses = api !== 'chat completions';

    it(`${api}: plain run gives the upstream reply and usage`, async () => {
      await g.start();
      g.fake.behave({ reply: 'Paris.', usage: { prompt: 5, completion: 2 } });
      const result = await runner({ useResponses }).run(agent(), 'Capital of France?');
      expect(result.finalOutput).toBe('Paris.');
      expect(result.rawResponses[0]?.usage).toMatchObject({
        inputTokens: 5,
        outputTokens: 2,
        totalTokens: 7,
      });
    });

    it(`${api}: streamed run gives the deltas and the usage`, async () => {
      await g.start();
      g.fake.behave({ reply: 'One two three', usage: { prompt: 3, completion: 3 } });
      const { text, usage } = await streamedText(runner({ useResponses }), 'Count');
      expect(text).toBe('One two three');
      expect(usage).toMatchObject({ inputTokens: 3, outputTokens: 3 });
    });

    it(`${api}: a function tool runs on the call, and the second step answers from its result`, async () => {
      await g.start();
      callWeather(g.fake);
      const { get_weather, calledWith } = weather();
      const result = await runner({ useResponses }).run(agent({ tools: [get_weather] }), 'Weather in Oslo?');
      expect(calledWith).toEqual([OSLO]);
      expect(result.finalOutput).toBe('It is 4 °C in Oslo.');
      expect(g.chatBodies()).toHaveLength(2);
    });

    it(`${api}: structured output with outputType gives the parsed object`, async () => {
      await g.start();
      g.fake.behave({ reply: JSON.stringify(CAPITAL) });
      const result = await runner({ useResponses }).run(agent({ outputType: Capital }), 'Capital of France');
      expect(result.finalOutput).toEqual(CAPITAL);
      expect(g.chatBodies()[0]?.response_format).toMatchObject({ type: 'json_schema' });
    });
  }

  it('a gpt-5 model: the reasoning effort and verbosity the SDK adds by itself reach the upstream', async () => {
    await g.start();
    for (const useResponses of [false, true]) {
      g.fake.behave({ models: [MODEL, 'gpt-5'], reply: 'Paris.' });
      const result = await runner({ useResponses }).run(agent({ model: 'gpt-5' }), 'Capital of France?');
      expect(result.finalOutput).toBe('Paris.');
      expect(g.chatBodies().at(-1)).toMatchObject({
        model: 'gpt-5',
        reasoning_effort: 'low',
        verbosity: 'low',
      });
    }
  });

  it('a wrong key: the run throws the SDK’s AuthenticationError (401)', async () => {
    await g.start();
    const error = await failure(runner({ apiKey: 'sk-wrong' }).run(agent(), 'hi'));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401 });
    expect(g.chatBodies()).toHaveLength(0);
  });

  it('an unknown model: the run throws NotFoundError with code model_not_found', async () => {
    await g.start();
    const error = await failure(runner().run(agent({ model: UNKNOWN_MODEL }), 'hi'));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('abort mid-stream: the run stops, and the fake upstream sees its connection close', async () => {
    await g.start();
    g.slowStream();
    const controller = new AbortController();
    const result = await runner().run(agent(), 'Count slowly', { stream: true, signal: controller.signal });
    let text = '';
    await failure(
      (async () => {
        for await (const delta of result.toTextStream()) {
          text += delta;
          controller.abort();
        }
      })(),
    );
    expectCutShort(text);
    await g.upstreamClosedEarly();
  });

  it('local responder only: a plain run works; outputType and a required tool throw the 503', async () => {
    await g.start('local-only');
    const r = runner({ useResponses: true });
    const plain = await r.run(agent({ model: 'chatgate/auto' }), 'hello there!');
    expect(String(plain.finalOutput).length).toBeGreaterThan(0);

    const structured = await failure(r.run(agent({ model: 'chatgate/auto', outputType: Capital }), 'x'));
    const forced = await failure(
      r.run(
        agent({
          model: 'chatgate/auto',
          tools: [weather().get_weather],
          modelSettings: { toolChoice: 'required' },
        }),
        'Weather in Oslo?',
      ),
    );
    for (const error of [structured, forced]) {
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect(error).toMatchObject({ status: 503, code: 'no_capable_provider' });
    }
  });
});
