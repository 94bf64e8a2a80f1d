import { describe, expect, it } from 'vitest';
import { categorizeMessage, categorizeStreamEvent } from '../../../src/ai/providers/local/categorize.js';
import {
  createLocalProvider,
  ECHO_MAX_CHARS,
  estimateTokens,
  LOCAL_MODEL,
} from '../../../src/ai/providers/local/local-provider.js';
import { fnv1a, pickTemplate, TEMPLATES } from '../../../src/ai/providers/local/templates.js';
import { type ChatDelta, type ChatRequest, ProviderError } from '../../../src/ai/providers/provider.js';

const provider = createLocalProvider({ botName: 'chatgate' });
const LOCAL_MARK = /local|offline/i;

function hinted(text: string, userName?: string): ChatRequest {
  return {
    model: 'any',
    messages: [{ role: 'user', content: `prompt about ${text}` }],
    hint: { text, userName },
  };
}

async function reply(text: string, userName?: string): Promise<string> {
  return (await provider.chat(hinted(text, userName))).content;
}

describe('categorizeMessage', () => {
  it.each([
    ['hello everyone', 'greeting'],
    ['o7', 'greeting'],
    ['ok bye!', 'farewell'],
    ['good  night all', 'farewell'],
    ['thank you so much', 'thanks'],
    ['can someone help me', 'help'],
    ['is the stream live?', 'question'],
    ['what game is this', 'question'],
    ['nice play', 'default'],
    ['this is fun', 'default'],
  ] as const)('%s is %s', (text, category) => {
    expect(categorizeMessage(text)).toEqual({ type: 'category', category });
  });

  it('reads commands with their argument', () => {
    expect(categorizeMessage(' /STATUS ')).toEqual({ type: 'command', command: 'status', argument: '' });
    expect(categorizeMessage('/help@chatgate')).toEqual({ type: 'command', command: 'help', argument: '' });
    expect(categorizeMessage('/echo  hi there ')).toEqual({
      type: 'command',
      command: 'echo',
      argument: 'hi there',
    });
    expect(categorizeMessage('/echoes')).toEqual({ type: 'category', category: 'default' });
  });
});

describe('categorizeStreamEvent', () => {
  it.each([
    ['alice subscribed at Tier 1', 'subscription'],
    ['alice resubscribed for 5 months', 'resub'],
    ['alice gifted a sub to bob', 'subgift'],
    ['alice is gifting 5 subs to the community', 'submysterygift'],
    ['alice raided with 12 viewers', 'raid'],
    ['alice cheered 100 bits', 'cheer'],
    ['alice followed the channel', 'follow'],
    ['nothing happened', undefined],
  ] as const)('%s is %s', (prompt, kind) => {
    expect(categorizeStreamEvent(prompt)).toBe(kind);
  });
});

describe('templates', () => {
  it('hashes with FNV-1a', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
  });

  it('marks every template as a local answer and fills in the name literally', () => {
    for (const templates of Object.values(TEMPLATES)) {
      expect(templates.length).toBeGreaterThanOrEqual(3);
      for (const template of templates) expect(template).toMatch(LOCAL_MARK);
    }
    expect(pickTemplate('thanks', 'x', '$& bob')).toContain('$& bob');
    expect(pickTemplate('thanks', 'x')).toContain('friend');
  });
});

describe('createLocalProvider', () => {
  it('describes itself', async () => {
    expect(provider.kind).toBe('local');
    expect(provider.endpoint).toBe('local');
    expect(await provider.models()).toEqual([LOCAL_MODEL]);
    expect((await provider.health()).ok).toBe(true);
  });

  it('answers /status, /help and /echo', async () => {
    const status = await reply('/status');
    expect(status).toMatch(/local \(offline\) mode/);
    expect(status).toMatch(/unavailable or disabled/);
    expect(status).toContain('chatgate');
    const help = await reply('/help');
    for (const command of ['/status', '/help', '/echo']) expect(help).toContain(command);
    expect(await reply('/echo   hello world  ')).toBe('Echo (local mode): hello world');
    expect(await reply('/echo')).toMatch(/Nothing to echo/);
  });

  it('caps /echo at 400 characters', async () => {
    const echoed = await reply(`/echo ${'x'.repeat(1000)}`);
    expect(echoed).toBe(`Echo (local mode): ${'x'.repeat(ECHO_MAX_CHARS)}`);
  });

  it.each([
    ['hello there', 'greeting'],
    ['bye now', 'farewell'],
    ['where are you from?', 'question'],
    ['thanks a lot', 'thanks'],
    ['please help', 'help'],
    ['nice play', 'default'],
  ] as const)('answers %s from the %s templates, addressing the user', async (text, category) => {
    const content = await reply(text, 'Alice');
    const expected = TEMPLATES[category].map((template) => template.replaceAll('{name}', 'Alice'));
    expect(expected).toContain(content);
    expect(content).toContain('Alice');
    expect(content).toMatch(LOCAL_MARK);
  });

  it('answers stream events when the hint has no text', async () => {
    const request: ChatRequest = {
      model: 'any',
      messages: [
        { role: 'system', content: 'You are friendly.' },
        { role: 'user', content: 'bob raided the channel with 40 viewers. Welcome them.' },
      ],
      hint: { text: '', userName: 'bob' },
    };
    const content = (await provider.chat(request)).content;
    expect(TEMPLATES.raid.map((template) => template.replaceAll('{name}', 'bob'))).toContain(content);
  });

  it('thanks a stream event as one by its event type, even when it carries a message', async () => {
    const request: ChatRequest = {
      model: 'any',
      messages: [{ role: 'user', content: 'cheer100 great stream' }],
      hint: { text: 'cheer100 great stream', userName: 'carol', eventType: 'cheer' },
    };
    const content = (await provider.chat(request)).content;
    expect(TEMPLATES.cheer.map((template) => template.replaceAll('{name}', 'carol'))).toContain(content);
  });

  it('reads the last user message when there is no hint', async () => {
    const request: ChatRequest = {
      model: 'any',
      messages: [
        { role: 'user', content: 'nice play' },
        { role: 'assistant', content: 'thanks' },
        { role: 'user', content: '/echo from messages' },
      ],
    };
    expect((await provider.chat(request)).content).toBe('Echo (local mode): from messages');
  });

  it('gives the same reply to the same text, and varied replies across texts', async () => {
    expect(await reply('hello there', 'Alice')).toBe(await reply('hello there', 'Alice'));
    const texts = [
      'hi',
      'hello',
      'hey all',
      'heya',
      'hiya chat',
      'howdy',
      'yo',
      'sup',
      'hola',
      'bonjour',
      'hallo',
    ];
    const replies = new Set(await Promise.all(texts.map((text) => reply(text))));
    expect(replies.size).toBeGreaterThan(1);
  });

  it('returns the result shape with estimated usage', async () => {
    const request = hinted('nice play');
    const result = await provider.chat(request);
    expect(result.finish_reason).toBe('stop');
    expect(result.model).toBe(LOCAL_MODEL);
    const prompt = estimateTokens('prompt about nice play');
    expect(result.usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: estimateTokens(result.content),
      total_tokens: prompt + estimateTokens(result.content),
    });
    expect(estimateTokens('hello')).toBe(2);
    expect(estimateTokens('')).toBe(0);
  });

  it('streams the same content in word chunks, then a final delta', async () => {
    const request = hinted('where are you from?', 'Alice');
    const deltas: ChatDelta[] = [];
    for await (const delta of provider.stream(request)) deltas.push(delta);
    const last = deltas.at(-1);
    expect(last?.finish_reason).toBe('stop');
    expect(last?.content).toBeUndefined();
    const chunks = deltas.slice(0, -1);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((delta) => delta.finish_reason === undefined)).toBe(true);
    expect(chunks.map((delta) => delta.content).join('')).toBe((await provider.chat(request)).content);
  });

  it('rejects an aborted signal with ProviderError code aborted', async () => {
    const signal = AbortSignal.abort();
    await expect(provider.chat(hinted('hi'), signal)).rejects.toMatchObject({
      name: 'ProviderError',
      code: 'aborted',
      provider: 'local',
    });
    await expect(provider.chat(hinted('hi'), signal)).rejects.toBeInstanceOf(ProviderError);
    const iterate = async () => {
      for await (const _delta of provider.stream(hinted('hi'), signal)) {
        // never reached
      }
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'aborted' });
    expect((await provider.health(signal)).ok).toBe(true);
  });

  it.each([
    ['tool_choice "required"', { tool_choice: 'required' }],
    [
      'tool_choice function "get_weather"',
      { tool_choice: { type: 'function', function: { name: 'get_weather' } } },
    ],
    ['response_format "json_object"', { response_format: { type: 'json_object' } }],
    [
      'response_format "json_schema"',
      { response_format: { type: 'json_schema', json_schema: { name: 'a' } } },
    ],
  ] as const)(
    'refuses %s with ProviderError unsupported, from prepare, chat and stream alike',
    async (asked, extra) => {
      const request: ChatRequest = {
        ...hinted('hi'),
        tools: [{ type: 'function', function: { name: 'get_weather' } }],
        ...extra,
      };
      const refusal = { name: 'ProviderError', code: 'unsupported', provider: 'local', retryable: false };
      expect(() => provider.prepare(request)).toThrow(`cannot honour ${asked}`);
      await expect(provider.chat(request)).rejects.toMatchObject(refusal);
      const iterate = async () => {
        for await (const _delta of provider.stream(request)) {
          // never reached
        }
      };
      await expect(iterate()).rejects.toMatchObject(refusal);
    },
  );

  it('answers what it can honour: tools it may leave uncalled (auto, none) and response_format text', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather' } }];
    for (const extra of [
      { tools },
      { tools, tool_choice: 'none' as const },
      { response_format: { type: 'text' as const } },
    ]) {
      expect((await provider.chat({ ...hinted('hi'), ...extra })).content).toMatch(LOCAL_MARK);
    }
  });

  it('names a generic bot without a botName', async () => {
    expect((await createLocalProvider().chat(hinted('/status'))).content).toMatch(/^This bot is running/);
  });
});
